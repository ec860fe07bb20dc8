{-# LANGUAGE OverloadedStrings #-}
-- | The Extism entry points: built for wasm by wasm32-wasi-ghc (exe:exomonad-guest-haskell),
-- and natively, unchanged, against the stand-in for Extism's kernel in @native/@
-- (exe:exomonad-guest-native, run by @run-extism-tests.sh@).
--
-- Reactor module: no @main@; Extism calls @_initialize@ and then @hs_init@ (exported) before
-- the first export. Every export reads its input as bytes, runs the pure core with the
-- 'Extism' interpreter of 'MonadHost', writes the envelope, and returns 0 (1 only when the
-- kernel has no memory left for the output); any exception becomes an @internal@ error
-- envelope, so an export never traps or exits the runtime.
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
foreign import ccall unsafe "exo_output" c_output :: Ptr Word8 -> Word64 -> IO Int32
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
      r <- try (roundTrip which (encodeStrict req))
      pure $ case r of
        Left e -> Left (hostErr name (T.pack (show (e :: SomeException))))
        Right (Left m) -> Left (hostErr name m)
        Right (Right bytes) -> either (Left . hostErr name . T.pack) Right (eitherDecodeStrict' bytes)
    where
      hostErr n m = AbiError HostFunction ("host function " <> n <> " failed: " <> m)

-- | Copies a request into a new Extism block, calls host function @which@ with its offset,
-- and copies the reply block out. Both blocks are the guest's and are freed here. 'Left' when
-- the kernel has no memory for the request (its @alloc@ answered 0): the host is not called.
roundTrip :: Word32 -> B.ByteString -> IO (Either Text B.ByteString)
roundTrip which bytes = do
  offs <- BU.unsafeUseAsCStringLen bytes $ \(p, n) -> c_to_memory (castPtr p) (fromIntegral n)
  if offs == 0 && not (B.null bytes)
    then pure (Left "no Extism memory left for the request")
    else do
      reply <- c_call_host which offs
      c_free offs
      n <- c_length reply
      out <- BI.create (fromIntegral n) $ \p -> c_from_memory reply p n
      c_free reply
      pure (Right out)

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

-- | Sets the call's output: 0, or -1 when the kernel had no memory for it.
writeOutput :: B.ByteString -> IO Int32
writeOutput bytes = BU.unsafeUseAsCStringLen bytes $ \(p, n) -> c_output (castPtr p) (fromIntegral n)

-- | Runs an export body; any exception is an @internal@ error envelope. Returns 0, or 1 when
-- the kernel had no memory for the output (Extism then fails the call: a non-zero return
-- code is its failure signal).
guarded :: IO B.ByteString -> IO Int32
guarded body = do
  r <- try (body >>= evaluate)
  rc <- writeOutput $ case r of
    Right out -> out
    Left e -> errEnvelope (AbiError Internal ("the Haskell guest failed: " <> T.pack (show (e :: SomeException))))
  pure (if rc == 0 then 0 else 1)

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
