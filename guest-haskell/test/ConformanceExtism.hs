{-# LANGUAGE OverloadedStrings #-}
-- | The Extism-layer conformance runner: replays every vector of @tests/conformance/@ through
-- @wasm/Main.hs@ and @cbits/extism.c@ as compiled natively into @exomonad-guest-native@ (the
-- guest linked with the stand-in for Extism's kernel and runtime in @native/@).
--
-- It starts the guest process with the export names of the wasm build (the @--export=@
-- linker flags of the @.cabal@ file); the process looks them up by name and calls @hs_init@.
-- Then, for each vector, it calls the export by name with the input, answers each host
-- function call from the vector ('Script'), and checks the output envelope, the export's
-- return code (0), the kernel protocol violations the stand-in recorded (none) and the
-- kernel's live blocks (as many after the call as before: the host releases the input and
-- output blocks, so any other block still live was leaked by the guest). After the vectors
-- it checks that the live blocks are back where they started, then replays every vector once
-- per guest allocation with that allocation failing (the kernel's @alloc@ answering 0): each
-- run must still return 0, without a violation or a leak.
--
-- Usage: @conformance-extism [GUEST_NATIVE CABAL_FILE [VECTORS_DIR]]@ (defaults, as under
-- @cabal test@ from this folder: @exomonad-guest-native@ on @PATH@,
-- @exomonad-guest-haskell.cabal@, @../tests/conformance@). Prints one line per vector, @N passed, N failed@, then the memory
-- and allocation-failure checks; exits 1 on any failure.
module Main (main) where

import Control.Exception (IOException, throwIO, try)
import Control.Monad (forM, unless, when)
import Data.Aeson (eitherDecodeStrict')
import Data.Bits (shiftL, shiftR, (.|.))
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as BC
import Data.Char (isAlphaNum)
import Data.IORef (IORef, newIORef, readIORef, writeIORef)
import Data.List (nub)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Text.IO as TIO
import Data.Word (Word32, Word64, Word8)
import System.Environment (getArgs)
import System.Exit (ExitCode (..), exitFailure)
import System.IO (Handle, hClose, hFlush, hPutStrLn, hSetBinaryMode, stderr)
import System.Process (CreateProcess (..), StdStream (..), createProcess, proc, waitForProcess)

import Exomonad.Guest.Effect (AbiError (..), ErrorCode (..))
import Exomonad.Guest.Json (encodeStrict, errEnvelope)
import Vectors

-- | The guest process's protocol pipes (see @native/harness.c@): its stdin and stdout.
data Guest = Guest Handle Handle

-- | Kernel memory as the stand-in reports it.
data Memory = Memory
  { liveBlocks :: Word64
  , liveBytes :: Word64
  , allocs :: Word64 -- ^ allocations so far, by the guest and the host
  , frees :: Word64
  , guestAllocs :: Word64 -- ^ the guest's allocations (@extism_alloc@ of n > 0) so far
  }

-- | What one export call gave back.
data Called = Called
  { cFound :: Bool -- ^ the export exists
  , cRc :: Word32 -- ^ its return code
  , cOutput :: B.ByteString -- ^ the bytes of the output range
  , cMemory :: Memory -- ^ kernel memory once the host released the input and output
  , cViolations :: [Text] -- ^ kernel protocol violations during the call
  , cHostProblems :: [Text] -- ^ departures from the vector's host calls
  }

-- | The export names of the wasm build: every @--export=NAME@ in the @.cabal@ file.
wasmExports :: B.ByteString -> [B.ByteString]
wasmExports = nub . go
  where
    flag = "--export="
    go s = case B.breakSubstring flag s of
      (_, rest)
        | B.null rest -> []
        | otherwise ->
            let (name, more) = BC.span (\c -> isAlphaNum c || c == '_') (B.drop (B.length flag) rest)
             in name : go more

-- Framing: little-endian integers; a str is a u32 length and the bytes.

putUint :: Int -> Word64 -> B.ByteString
putUint width x = B.pack [fromIntegral (x `shiftR` (8 * i)) :: Word8 | i <- [0 .. width - 1]]

putStr' :: B.ByteString -> B.ByteString
putStr' s = putUint 4 (fromIntegral (B.length s)) <> s

getExact :: Handle -> Int -> IO B.ByteString
getExact h n = do
  s <- B.hGet h n
  when (B.length s /= n) $ throwIO (userError "the guest process ended")
  pure s

getUint :: Handle -> Int -> IO Word64
getUint h width = B.foldr (\b acc -> acc `shiftL` 8 .|. fromIntegral b) 0 <$> getExact h width

getStr :: Handle -> IO B.ByteString
getStr h = getUint h 4 >>= getExact h . fromIntegral

getMemory :: Handle -> IO Memory
getMemory h = Memory <$> getUint h 8 <*> getUint h 8 <*> getUint h 8 <*> getUint h 8 <*> getUint h 8

send :: Handle -> B.ByteString -> IO ()
send h frame = B.hPut h frame >> hFlush h

-- | Calls the vector's export with its input, answering host calls from its script;
-- @failAlloc@ makes that guest allocation of the call fail (0: none).
callExport :: Guest -> Vector -> Word64 -> IO Called
callExport (Guest hin hout) v failAlloc = do
  send hin ("C" <> putStr' (TE.encodeUtf8 (vecExport v)) <> putStr' (vecInput v) <> putUint 8 failAlloc)
  loop (newScript v) []
  where
    loop script extra = do
      tag <- getExact hout 1
      case tag of
        "H" -> do
          name <- TE.decodeUtf8 <$> getStr hout
          req <- getStr hout
          let (reply, script', extra') = case eitherDecodeStrict' req of
                Right json -> let (r, s) = hostCall name json script in (r, s, extra)
                Left e ->
                  ( Left (AbiError Internal "conformance: the request is not JSON")
                  , script
                  , extra ++ [name <> " request is not JSON: " <> T.pack e]
                  )
          send hin ("R" <> putStr' (either errEnvelope encodeStrict reply))
          loop script' extra'
        "D" -> do
          found <- (/= 0) <$> getUint hout 1
          rc <- fromIntegral <$> getUint hout 4
          out <- getStr hout
          mem <- getMemory hout
          viol <- filter (not . T.null) . T.lines . TE.decodeUtf8 <$> getStr hout
          pure (Called found rc out mem viol (scriptProblems script ++ extra))
        _ -> throwIO (userError ("unexpected frame from the guest process: " <> show tag))

-- | The problems of a call that must return 0, without a kernel violation, and leave as many
-- live blocks as there were before it. @oomOk@: an allocation was made to fail, so return
-- code 1 without an output is allowed too (the guest had no memory for its output).
layerProblems :: Bool -> Word64 -> Called -> [Text]
layerProblems oomOk before c =
  [ "the export returned " <> tshow (cRc c) <> ", not 0"
  | cFound c, cRc c /= 0, not (oomOk && cRc c == 1 && B.null (cOutput c))
  ]
    ++ case cViolations c of
      [] -> []
      first : more -> ["kernel: " <> first <> (if null more then "" else " (and " <> tshow (length more) <> " more lines)")]
    ++ [ "kernel: " <> tshow (liveBlocks (cMemory c) - before) <> " block(s) leaked by the call"
       | liveBlocks (cMemory c) /= before
       ]

-- | The problems of one vector's call: its host calls, its output, the layer's checks.
judge :: Vector -> Word64 -> Called -> [Text]
judge v before c =
  cHostProblems c
    ++ outputProblems v (if cFound c then Just (cOutput c) else Nothing)
    ++ layerProblems False before c

tshow :: Show a => a -> Text
tshow = T.pack . show

-- | Runs a step against the guest process; a broken pipe or a dead process becomes a problem,
-- and every later step then fails at once with it.
guarded :: IORef (Maybe Text) -> IO [Text] -> IO [Text]
guarded dead step =
  readIORef dead >>= \d -> case d of
    Just why -> pure [why]
    Nothing ->
      try step >>= \r -> case r of
        Right ps -> pure ps
        Left e -> do
          let why = "the guest process failed: " <> tshow (e :: IOException)
          writeIORef dead (Just why)
          pure [why]

-- | Replays a vector once per allocation the guest makes in it, with that allocation failing:
-- the number of runs and the problems (each run must pass 'layerProblems', allowing for the
-- failed allocation; its output and host calls may differ from the vector's).
allocFailures :: Guest -> IORef Memory -> Vector -> IO (Word64, [Text])
allocFailures g mem v = do
  (made, _) <- run 0
  problems <- forM [1 .. made] $ \k ->
    map (\p -> "allocation " <> tshow k <> " of " <> tshow made <> " failing: " <> p) . snd <$> run k
  pure (made, concat problems)
  where
    run k = do
      before <- readIORef mem
      c <- callExport g v k
      writeIORef mem (cMemory c)
      pure (guestAllocs (cMemory c) - guestAllocs before, layerProblems (k /= 0) (liveBlocks before) c)

main :: IO ()
main = do
  args <- getArgs
  (native, cabalFile, dir) <- case args of
    [] -> pure ("exomonad-guest-native", "exomonad-guest-haskell.cabal", "../tests/conformance")
    [n, c] -> pure (n, c, "../tests/conformance")
    [n, c, d] -> pure (n, c, d)
    _ -> hPutStrLn stderr "usage: conformance-extism [GUEST_NATIVE CABAL_FILE [VECTORS_DIR]]" >> exitFailure
  exports <- map BC.unpack . wasmExports <$> B.readFile cabalFile
  unless ("hs_init" `elem` exports) $ do
    hPutStrLn stderr (cabalFile <> ": the wasm build's exports (--export=) lack hs_init")
    exitFailure
  (Just hin, Just hout, _, ph) <- createProcess (proc native exports) {std_in = CreatePipe, std_out = CreatePipe}
  mapM_ (`hSetBinaryMode` True) [hin, hout]
  let g = Guest hin hout
  ready <- try (getExact hout 1 >>= \tag -> unless (tag == "S") (throwIO (userError "bad frame")) >> getUint hout 8 >>= \b -> (,) b <$> getUint hout 8)
  (startBlocks, startBytes) <- case ready of
    Right r -> pure r
    Left e -> hPutStrLn stderr ("the guest process did not start: " <> show (e :: IOException)) >> exitFailure
  mem <- newIORef (Memory startBlocks startBytes 0 0 0)
  dead <- newIORef Nothing

  vectorsOk <- runVectors dir $ \v -> guarded dead $ do
    before <- readIORef mem
    c <- callExport g v 0
    writeIORef mem (cMemory c)
    pure (judge v (liveBlocks before) c)
  end <- readIORef mem
  let memoryOk = liveBlocks end == startBlocks && liveBytes end == startBytes
  putStrLn $
    (if memoryOk then "PASS  " else "FAIL  ") <> "kernel memory: " <> show startBlocks <> " live blocks ("
      <> show startBytes <> " bytes) before the first call, " <> show (liveBlocks end) <> " ("
      <> show (liveBytes end) <> " bytes) after the last; " <> show (allocs end) <> " allocations, "
      <> show (frees end) <> " frees"

  runs <- newIORef (0 :: Word64)
  vectors <- loadVectors dir
  failures <- fmap concat . forM [(n, v) | (n, Right v) <- vectors] $ \(name, v) -> do
    ps <- guarded dead $ do
      (made, ps) <- allocFailures g mem v
      readIORef runs >>= writeIORef runs . (+ made)
      pure ps
    mapM_ (\p -> TIO.putStrLn ("FAIL  " <> name <> "  " <> p)) ps
    pure ps
  nRuns <- readIORef runs
  putStrLn $
    (if null failures then "PASS  " else "FAIL  ") <> "allocation failures: " <> show nRuns
      <> " runs (each guest allocation of each vector failing once), " <> show (length failures) <> " problems"

  hClose hin
  code <- waitForProcess ph
  unless (code == ExitSuccess) $ putStrLn ("FAIL  the guest process exited with " <> show code)
  unless (vectorsOk && memoryOk && null failures && code == ExitSuccess) exitFailure
