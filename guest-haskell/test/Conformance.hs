{-# LANGUAGE OverloadedStrings #-}
-- | The native conformance runner: replays every vector of @tests/conformance/@ (format in
-- that folder's README.md) against the pure core, with an interpreter of 'MonadHost' that
-- answers each host function call from the vector's 'Script' and records departures. Prints
-- one line per vector and @N passed, N failed@; exits 1 on any failure.
--
-- Usage: @conformance [VECTORS_DIR]@ (default: @../tests/conformance@).
module Main (main) where

import Control.Monad (unless)
import Data.Text (Text)
import System.Environment (getArgs)
import System.Exit (exitFailure)

import Exomonad.Guest.Core
import Exomonad.Guest.Effect
import Vectors

-- | The scripted interpreter: a state monad over the vector's 'Script'.
newtype Scripted a = Scripted { runScripted :: Script -> (a, Script) }

instance Functor Scripted where
  fmap f (Scripted g) = Scripted $ \s -> let (a, s') = g s in (f a, s')

instance Applicative Scripted where
  pure a = Scripted $ \s -> (a, s)
  Scripted f <*> Scripted g = Scripted $ \s -> let (h, s1) = f s; (a, s2) = g s1 in (h a, s2)

instance Monad Scripted where
  Scripted g >>= k = Scripted $ \s -> let (a, s1) = g s in runScripted (k a) s1

instance MonadHost Scripted where
  callHostRaw name req = Scripted (hostCall name req)

-- | Runs one vector against the core; the problems found (empty: passed).
runVector :: Vector -> [Text]
runVector v =
  let input = vecInput v
      st0 = newScript v
      (result, st) = case vecExport v of
        "handle_hook" -> let (o, s) = runScripted (handleHookBytes input) st0 in (Just o, s)
        "ask_human" -> let (o, s) = runScripted (askHumanBytes input) st0 in (Just o, s)
        "mcp_call_tool" -> let (o, s) = runScripted (callToolBytes input) st0 in (Just o, s)
        "mcp_list_tools" -> (Just (listToolsBytes input), st0)
        "abi_version" -> (Just abiVersion, st0)
        _ -> (Nothing, st0) -- no such export: the call fails
   in scriptProblems st ++ outputProblems v result

main :: IO ()
main = do
  args <- getArgs
  let dir = case args of
        (d : _) -> d
        [] -> "../tests/conformance"
  ok <- runVectors dir (pure . runVector)
  unless ok exitFailure
