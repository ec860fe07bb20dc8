{-# LANGUAGE OverloadedStrings #-}
-- | The Extism entry points (wasm32-wasi-ghc only; not compiled by the native build).
--
-- Reactor module: no @main@; Extism calls @_initialize@ and then @hs_init@ (exported) before
-- the first export. Every export reads its input as bytes, runs the pure core with the
-- 'Extism' interpreter of 'MonadHost', writes the envelope, and returns 0; any exception
-- becomes an @internal@ error envelope, so an export never traps or exits the runtime.
-- Text crosses as UTF-8 'B.ByteString' (never 'String').
module Main (main) where

import Control.Exception (SomeException, evaluate, try)
import Data.Aeson (eitherDecodeStrict')
import qualified Data.ByteString as B
import qualified Data.ByteString.Internal as BI
import qualified Data.ByteString.Unsafe as BU
import Data.Int (Int32)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word32, Word64, Word8)
import Foreign.Ptr (Ptr, castPtr)

import Exomonad.Guest.Core
import Exomonad.Guest.Effect
import Exomonad.Guest.Json (encodeStrict, errEnvelope)

foreign import ccall unsafe "exo_input_length" c_input_length :: IO Word64
foreign import ccall unsafe "exo_input_read" c_input_read :: Ptr Word8 -> Word64 -> IO ()
foreign import ccall unsafe "exo_to_memory" c_to_memory :: Ptr Word8 -> Word64 -> IO Word64
foreign import ccall unsafe "exo_length" c_length :: Word64 -> IO Word64
foreign import ccall unsafe "exo_from_memory" c_from_memory :: Word64 -> Ptr Word8 -> Word64 -> IO ()
foreign import ccall unsafe "exo_free" c_free :: Word64 -> IO ()
foreign import ccall unsafe "exo_output" c_output :: Ptr Word8 -> Word64 -> IO ()
foreign import ccall safe "exo_call_host" c_call_host :: Word32 -> Word64 -> IO Word64

-- | 'MonadHost' over the real host functions.
newtype Extism a = Extism { runExtism :: IO a }

instance Functor Extism where fmap f (Extism io) = Extism (fmap f io)
instance Applicative Extism where
  pure = Extism . pure
  Extism f <*> Extism a = Extism (f <*> a)
instance Monad Extism where Extism a >>= k = Extism (a >>= runExtism . k)

instance MonadHost Extism where
  callHostRaw name req = Extism $ case lookup name hostFns of
    Nothing -> pure (Left (AbiError Unsupported ("no host function " <> name)))
    Just which -> do
      r <- try $ do
        let bytes = encodeStrict req
        offs <- BU.unsafeUseAsCStringLen bytes $ \(p, n) -> c_to_memory (castPtr p) (fromIntegral n)
        reply <- c_call_host which offs
        c_free offs
        n <- c_length reply
        out <- BI.create (fromIntegral n) $ \p -> c_from_memory reply p n
        c_free reply
        pure out
      pure $ case r of
        Left e -> Left (hostErr name (T.pack (show (e :: SomeException))))
        Right bytes -> either (Left . hostErr name . T.pack) Right (eitherDecodeStrict' bytes)
    where
      hostErr n m = AbiError HostFunction ("host function " <> n <> " failed: " <> m)

-- | Host functions by name, numbered as in @exo_call_host@ (the order of @host_fns::ALL@).
hostFns :: [(Text, Word32)]
hostFns =
  zip
    [ "log", "emit_event", "git_get_branch", "git_get_dirty_files", "git_get_recent_commits", "ui_popup"
    , "git_get_remote_url", "fs_read_file", "github_list_issues", "github_get_issue", "github_list_prs"
    , "agents_spawn", "agents_cleanup", "agents_list"
    ]
    [0 ..]

readInput :: IO B.ByteString
readInput = do
  n <- c_input_length
  BI.create (fromIntegral n) $ \p -> c_input_read p n

writeOutput :: B.ByteString -> IO ()
writeOutput bytes = BU.unsafeUseAsCStringLen bytes $ \(p, n) -> c_output (castPtr p) (fromIntegral n)

-- | Runs an export body; any exception is an @internal@ error envelope. Always returns 0.
guarded :: IO B.ByteString -> IO Int32
guarded body = do
  r <- try (body >>= evaluate)
  writeOutput $ case r of
    Right out -> out
    Left e -> errEnvelope (AbiError Internal ("the Haskell guest failed: " <> T.pack (show (e :: SomeException))))
  pure 0

handleHook :: IO Int32
handleHook = guarded (readInput >>= runExtism . handleHookBytes)

askHuman :: IO Int32
askHuman = guarded (readInput >>= runExtism . askHumanBytes)

mcpListTools :: IO Int32
mcpListTools = guarded (listToolsBytes <$> readInput)

mcpCallTool :: IO Int32
mcpCallTool = guarded (readInput >>= runExtism . callToolBytes)

abiVersionExport :: IO Int32
abiVersionExport = guarded (pure abiVersion)

foreign export ccall "handle_hook" handleHook :: IO Int32
foreign export ccall "ask_human" askHuman :: IO Int32
foreign export ccall "abi_version" abiVersionExport :: IO Int32
foreign export ccall "mcp_list_tools" mcpListTools :: IO Int32
foreign export ccall "mcp_call_tool" mcpCallTool :: IO Int32

-- | Unused in reactor mode (@-no-hs-main@); required by the executable component.
main :: IO ()
main = pure ()
