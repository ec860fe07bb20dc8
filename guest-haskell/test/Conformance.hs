{-# LANGUAGE OverloadedStrings #-}
-- | The native conformance runner: replays every vector of @tests/conformance/@ (format in
-- that folder's README.md) against the pure core, with an interpreter of 'MonadHost' that
-- answers each host function call from the vector and records departures. Prints one line
-- per vector and @N passed, N failed@; exits 1 on any failure.
--
-- Usage: @conformance [VECTORS_DIR]@ (default: @../tests/conformance@).
module Main (main) where

import Control.Monad (forM, unless)
import Data.Aeson (Value (..), eitherDecodeStrict')
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import Data.List (isSuffixOf, sort)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Text.IO as TIO
import qualified Data.Vector as V
import System.Directory (listDirectory)
import System.Environment (getArgs)
import System.Exit (exitFailure)
import System.FilePath (dropExtension, (</>))

import Exomonad.Guest.Core
import Exomonad.Guest.Effect
import Exomonad.Guest.Json (encodeStrict)

-- | One expected host call: name, request pattern, reply envelope.
data Expected = Expected Text Value Value

data St = St { stExpected :: [Expected], stProblems :: [Text] }

-- | The scripted interpreter: a state monad over the remaining expected calls.
newtype Scripted a = Scripted { runScripted :: St -> (a, St) }

instance Functor Scripted where
  fmap f (Scripted g) = Scripted $ \s -> let (a, s') = g s in (f a, s')

instance Applicative Scripted where
  pure a = Scripted $ \s -> (a, s)
  Scripted f <*> Scripted g = Scripted $ \s -> let (h, s1) = f s; (a, s2) = g s1 in (h a, s2)

instance Monad Scripted where
  Scripted g >>= k = Scripted $ \s -> let (a, s1) = g s in runScripted (k a) s1

instance MonadHost Scripted where
  callHostRaw name req = Scripted $ \s -> case stExpected s of
    Expected n pat reply : rest | n == name ->
      let ps = either (\e -> [name <> " request: " <> e]) (const []) (matches pat req)
       in (Right reply, s {stExpected = rest, stProblems = stProblems s ++ ps})
    _ | name == "log" -> (Right (Object (KM.singleton "ok" Null)), s)
    ex ->
      let wanted = case ex of
            Expected n _ _ : _ -> "`" <> n <> "`"
            [] -> "no more calls"
          p = "unexpected host call `" <> name <> "` " <> TE.decodeUtf8 (encodeStrict req) <> " (expected " <> wanted <> ")"
       in (Left (AbiError Internal "conformance: this host call was not expected"), s {stProblems = stProblems s ++ [p]})

-- | The pattern language of the vectors (see tests/conformance/README.md).
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

-- | Runs one vector; the problems found (empty: passed).
runVector :: Value -> [Text]
runVector (Object v) =
  let str k = case KM.lookup k v of Just (String s) -> Just s; _ -> Nothing
      export = maybe "" id (str "export")
      input = case (str "input_raw", KM.lookup "input" v) of
        (Just raw, _) -> TE.encodeUtf8 raw
        (Nothing, Just i) -> encodeStrict i
        _ -> B.empty
      expected = case KM.lookup "host_calls" v of
        Just (Array cs) -> [Expected n (get "request" c) (get "reply" c) | Object c <- V.toList cs, Just (String n) <- [KM.lookup "fn" c]]
        _ -> []
      get k c = maybe Null id (KM.lookup k c)
      callError = KM.lookup "call_error" v == Just (Bool True)
      st0 = St expected []
      (result, st) = case export of
        "handle_hook" -> let (o, s) = runScripted (handleHookBytes input) st0 in (Just o, s)
        "ask_human" -> let (o, s) = runScripted (askHumanBytes input) st0 in (Just o, s)
        "mcp_call_tool" -> let (o, s) = runScripted (callToolBytes input) st0 in (Just o, s)
        "mcp_list_tools" -> (Just (listToolsBytes input), st0)
        "abi_version" -> (Just abiVersion, st0)
        _ -> (Nothing, st0) -- no such export: the call fails
      missing = case stExpected st of
        [] -> []
        rest -> ["host calls not made: " <> T.intercalate ", " [n | Expected n _ _ <- rest]]
      outputProblems = case (result, KM.lookup "output" v) of
        (Nothing, _) | callError -> []
        (Nothing, _) -> ["no export `" <> export <> "`"]
        (Just _, _) | callError -> ["the call should fail"]
        (Just out, Just pat) -> case eitherDecodeStrict' out of
          Left e -> ["output is not JSON: " <> T.pack e]
          Right o -> either (\e -> ["output: " <> e]) (const []) (matches pat o)
        (Just _, Nothing) -> ["vector has no output"]
   in stProblems st ++ missing ++ outputProblems
runVector _ = ["vector is not a JSON object"]

main :: IO ()
main = do
  args <- getArgs
  let dir = case args of
        (d : _) -> d
        [] -> "../tests/conformance"
  files <- sort . filter (".json" `isSuffixOf`) <$> listDirectory dir
  results <- forM files $ \f -> do
    bytes <- B.readFile (dir </> f)
    let problems = either (\e -> ["vector does not parse: " <> T.pack e]) runVector (eitherDecodeStrict' bytes)
        name = T.pack (dropExtension f)
    TIO.putStrLn $ if null problems then "PASS  " <> name else "FAIL  " <> name <> "  " <> T.intercalate "; " problems
    pure (null problems)
  let passed = length (filter id results)
  putStrLn (show passed <> " passed, " <> show (length results - passed) <> " failed")
  unless (passed == length results && not (null results)) exitFailure
