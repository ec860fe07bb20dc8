{-# LANGUAGE OverloadedStrings #-}
-- | What both conformance runners share: a vector of @tests/conformance/@ read into a
-- 'Vector' (format in that folder's README.md), the scripted host that answers a vector's
-- expected host calls in order ('Script'), the pattern language ('matches'), the check of an
-- export's output ('outputProblems') and the loop over a folder of vectors ('runVectors').
--
-- The native runner ("Conformance") drives the pure core with it; the Extism-layer runner
-- ("ConformanceExtism") drives @wasm/Main.hs@ and @cbits/extism.c@ through the native
-- stand-in for Extism's kernel.
module Vectors
  ( Vector (..)
  , Expected (..)
  , parseVector
  , Script
  , newScript
  , hostCall
  , scriptProblems
  , outputProblems
  , matches
  , loadVectors
  , runVectors
  ) where

import Control.Monad (forM, unless)
import Data.Aeson (Value (..), eitherDecodeStrict')
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import Data.List (isSuffixOf, sort)
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Text.IO as TIO
import qualified Data.Vector as V
import System.Directory (listDirectory)
import System.FilePath (dropExtension, (</>))

import Exomonad.Guest.Effect (AbiError (..), ErrorCode (..))
import Exomonad.Guest.Json (encodeStrict)

-- | One expected host call: the host function's name, a pattern for its request JSON, and
-- the reply envelope given back verbatim (@{"ok": ...}@ or @{"error": {...}}@).
data Expected = Expected
  { expFn :: Text
  , expRequest :: Value
  , expReply :: Value
  }

-- | One conformance vector.
data Vector = Vector
  { vecExport :: Text
    -- ^ the export to call (possibly one no guest has)
  , vecInput :: B.ByteString
    -- ^ the input bytes: @input@ compactly serialized, or @input_raw@ as UTF-8
  , vecHostCalls :: [Expected]
    -- ^ the host calls the guest must make, in order
  , vecOutput :: Maybe Value
    -- ^ the pattern the output envelope must match (absent with @call_error@)
  , vecCallError :: Bool
    -- ^ @call_error: true@: the call itself must fail (no such export)
  }

-- | Reads a vector from its JSON.
parseVector :: Value -> Either Text Vector
parseVector (Object v) =
  Right
    Vector
      { vecExport = fromMaybe "" (str "export")
      , vecInput = case (str "input_raw", KM.lookup "input" v) of
          (Just raw, _) -> TE.encodeUtf8 raw
          (Nothing, Just i) -> encodeStrict i
          _ -> B.empty
      , vecHostCalls = case KM.lookup "host_calls" v of
          Just (Array cs) ->
            [Expected n (get "request" c) (get "reply" c) | Object c <- V.toList cs, Just (String n) <- [KM.lookup "fn" c]]
          _ -> []
      , vecOutput = KM.lookup "output" v
      , vecCallError = KM.lookup "call_error" v == Just (Bool True)
      }
  where
    str k = case KM.lookup k v of Just (String s) -> Just s; _ -> Nothing
    get k c = fromMaybe Null (KM.lookup k c)
parseVector _ = Left "vector is not a JSON object"

-- | The scripted host of one vector: the host calls still expected and the problems found.
data Script = Script [Expected] [Text]

-- | The script of a vector, before its export is called.
newScript :: Vector -> Script
newScript v = Script (vecHostCalls v) []

-- | Answers one host call (name, request JSON) from the script: the next expected call's
-- reply when the name is the expected one (its request checked against the pattern), @{"ok":
-- null}@ for an extra @log@, and otherwise an @internal@ error (recorded as a problem).
hostCall :: Text -> Value -> Script -> (Either AbiError Value, Script)
hostCall name req (Script expected problems) = case expected of
  Expected n pat reply : rest
    | n == name ->
        let ps = either (\e -> [name <> " request: " <> e]) (const []) (matches pat req)
         in (Right reply, Script rest (problems ++ ps))
  _ | name == "log" -> (Right (Object (KM.singleton "ok" Null)), Script expected problems)
  _ ->
    let wanted = case expected of
          Expected n _ _ : _ -> "`" <> n <> "`"
          [] -> "no more calls"
        p = "unexpected host call `" <> name <> "` " <> TE.decodeUtf8 (encodeStrict req) <> " (expected " <> wanted <> ")"
     in (Left (AbiError Internal "conformance: this host call was not expected"), Script expected (problems ++ [p]))

-- | The problems of a script once the export has returned: those found during the calls,
-- then the expected calls that were not made.
scriptProblems :: Script -> [Text]
scriptProblems (Script rest problems) =
  problems ++ case rest of
    [] -> []
    _ -> ["host calls not made: " <> T.intercalate ", " (map expFn rest)]

-- | The problems of an export's result: 'Nothing' when the call failed (no such export),
-- otherwise the output bytes, which must be JSON matching the vector's @output@ pattern.
outputProblems :: Vector -> Maybe B.ByteString -> [Text]
outputProblems v result = case (result, vecOutput v) of
  (Nothing, _) | vecCallError v -> []
  (Nothing, _) -> ["no export `" <> vecExport v <> "`"]
  (Just _, _) | vecCallError v -> ["the call should fail"]
  (Just out, Just pat) -> case eitherDecodeStrict' out of
    Left e -> ["output is not JSON: " <> T.pack e]
    Right o -> either (\e -> ["output: " <> e]) (const []) (matches pat o)
  (Just _, Nothing) -> ["vector has no output"]

-- | The pattern language of the vectors (see tests/conformance/README.md): @matches pattern
-- actual@ is the first mismatch, with its JSON path.
matches :: Value -> Value -> Either Text ()
matches = go "$"
  where
    go at pat act = case pat of
      Object p | not (KM.null p), all (T.isPrefixOf "$" . K.toText) (KM.keys p) ->
        mapM_ (\(k, arg) -> op at (K.toText k) arg act) (KM.toList p)
      Object p -> case act of
        Object a -> do
          case [k | k <- KM.keys a, not (KM.member k p)] of
            (k : _) -> Left (at <> ": unexpected key `" <> K.toText k <> "`")
            [] -> pure ()
          mapM_ (\(k, pv) -> maybe (Left (at <> ": missing key `" <> K.toText k <> "`")) (go (at <> "." <> K.toText k) pv) (KM.lookup k a)) (KM.toList p)
        _ -> Left (at <> ": expected an object, got " <> shown act)
      Array p -> case act of
        Array a
          | V.length a /= V.length p -> Left (at <> ": expected " <> tshow (V.length p) <> " items, got " <> tshow (V.length a))
          | otherwise -> mapM_ (\(i, pv, av) -> go (at <> "[" <> tshow i <> "]") pv av) (zip3 [0 :: Int ..] (V.toList p) (V.toList a))
        _ -> Left (at <> ": expected an array, got " <> shown act)
      _ | pat == act -> pure ()
      _ -> Left (at <> ": expected " <> shown pat <> ", got " <> shown act)
    op at name arg act =
      let strs = case arg of
            String s -> [s]
            Array xs -> [s | String s <- V.toList xs]
            _ -> []
          text = case act of
            String s -> Right s
            _ -> Left (at <> ": expected a string, got " <> shown act)
       in case name of
            "$contains" -> text >>= \t -> mapM_ (\s -> unless (s `T.isInfixOf` t) (Left (at <> ": " <> tshow t <> " does not contain " <> tshow s))) strs
            "$excludes" -> text >>= \t -> mapM_ (\s -> unless (not (s `T.isInfixOf` t)) (Left (at <> ": " <> tshow t <> " contains " <> tshow s))) strs
            "$prefix" -> text >>= \t -> unless (T.concat strs `T.isPrefixOf` t) (Left (at <> ": " <> tshow t <> " does not start with " <> shown arg))
            "$type" ->
              let kind = case act of
                    Null -> "null"; Bool _ -> "boolean"; Number _ -> "number"
                    String _ -> "string"; Array _ -> "array"; Object _ -> "object"
               in unless (arg == String kind) (Left (at <> ": expected a " <> shown arg <> ", got " <> shown act))
            "$has" -> case (arg, act) of
              (Object p, Object a) -> mapM_ (\(k, pv) -> maybe (Left (at <> ": missing key `" <> K.toText k <> "`")) (go (at <> "." <> K.toText k) pv) (KM.lookup k a)) (KM.toList p)
              _ -> Left (at <> ": expected an object, got " <> shown act)
            other -> Left (at <> ": unknown pattern operator `" <> other <> "`")
    shown = TE.decodeUtf8 . encodeStrict
    tshow :: Show a => a -> Text
    tshow = T.pack . show

-- | Every @*.json@ vector of a folder, in name order: its name (the file name without
-- @.json@) and the vector, or why it does not parse.
loadVectors :: FilePath -> IO [(Text, Either Text Vector)]
loadVectors dir = do
  files <- sort . filter (".json" `isSuffixOf`) <$> listDirectory dir
  forM files $ \f -> do
    bytes <- B.readFile (dir </> f)
    let vector = either (\e -> Left ("vector does not parse: " <> T.pack e)) parseVector (eitherDecodeStrict' bytes)
    pure (T.pack (dropExtension f), vector)

-- | Runs every vector of a folder ('loadVectors') with @run@ (which returns the problems
-- found; none: passed). Prints one line per vector and @N passed, N failed@; 'True' when
-- there was at least one vector and all passed.
runVectors :: FilePath -> (Vector -> IO [Text]) -> IO Bool
runVectors dir run = do
  vectors <- loadVectors dir
  results <- forM vectors $ \(name, vector) -> do
    problems <- either (pure . pure) run vector
    TIO.putStrLn $ if null problems then "PASS  " <> name else "FAIL  " <> name <> "  " <> T.intercalate "; " problems
    pure (null problems)
  let passed = length (filter id results)
  putStrLn (show passed <> " passed, " <> show (length results - passed) <> " failed")
  pure (passed == length results && not (null results))
