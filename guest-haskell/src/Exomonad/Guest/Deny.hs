{-# LANGUAGE OverloadedStrings #-}
-- | The shell-command deny-list: the only tool calls this guest refuses. A port of the Rust
-- guest's @deny.rs@ (rules @force-push@ and @recursive-delete-root@; the same wrappers, @xargs@
-- included; @sh -c@ and @eval@ nesting; commands inside substitutions, quoted or not; and the
-- same known limits; see that file's documentation).
module Exomonad.Guest.Deny
  ( DenyRule (..)
  , Violation (..)
  , forcePush
  , recursiveDeleteRoot
  , denyRules
  , maxNesting
  , checkCommand
  , violationReason
  ) where

import Data.Char (isAsciiLower, isAsciiUpper, isDigit)
import Data.List (isPrefixOf)
import Data.Maybe (listToMaybe, mapMaybe)
import Data.Text (Text)
import qualified Data.Text as T

import Exomonad.Guest.Shell (simpleCommands)

-- | One deny rule: its stable name, what it matches, and why (the agent reads both).
data DenyRule = DenyRule { ruleName :: Text, ruleMatches :: Text, ruleWhy :: Text }
  deriving (Eq, Show)

-- | @git push@ that overwrites remote history.
forcePush :: DenyRule
forcePush =
  DenyRule
    "force-push"
    "`git push` with --force, -f, --force-with-lease or a +refspec"
    "A force push overwrites history on the remote that other agents or people may have built on. Push without force (fetch and rebase or merge first if the push is rejected), or ask the person to force-push."

-- | @rm -r@ of the worktree, the home directory, the root, or a parent of them.
recursiveDeleteRoot :: DenyRule
recursiveDeleteRoot =
  DenyRule
    "recursive-delete-root"
    "recursive `rm` of /, ~, $HOME, ., .., *, the working directory or one of its parents"
    "That deletes the whole worktree (committed or not) or more. Delete the specific paths you mean instead (e.g. `rm -rf build/`)."

-- | Every rule, in the order they are checked.
denyRules :: [DenyRule]
denyRules = [forcePush, recursiveDeleteRoot]

-- | How deep @bash -c '...'@ and @eval@ are followed.
maxNesting :: Int
maxNesting = 4

-- | A command a rule matched.
data Violation = Violation { vRule :: DenyRule, vCommand :: Text, vDetail :: Text }
  deriving (Eq, Show)

-- | The reason the agent reads: the rule, the command, what matched, and why.
violationReason :: Violation -> Text
violationReason (Violation r cmd detail) =
  "Denied by exomonad rule `" <> ruleName r <> "` (" <> ruleMatches r <> "): `" <> cmd <> "` "
    <> detail <> ". " <> ruleWhy r

-- | Checks a command line against the rules; @cwd@ is the hook payload's working directory.
checkCommand :: Text -> Maybe Text -> Maybe Violation
checkCommand script cwd = checkScript script cwd 0

checkScript :: Text -> Maybe Text -> Int -> Maybe Violation
checkScript script cwd depth = listToMaybe (mapMaybe (\ws -> checkSimple ws cwd depth) (simpleCommands script))

checkSimple :: [Text] -> Maybe Text -> Int -> Maybe Violation
checkSimple ws0 cwd depth = case stripPrefixes ws0 of
  [] -> Nothing
  ws@(first : args) ->
    let violation r d = Violation r (displayCommand ws) d
     in case basename first of
          "git" -> violation forcePush <$> forcePushDetail args
          "rm" -> violation recursiveDeleteRoot <$> recursiveDetail args cwd
          b | b `elem` ["sh", "bash", "zsh", "dash", "ksh"], depth < maxNesting ->
                shellCScript args >>= \s -> checkScript s cwd (depth + 1)
          "eval" | depth < maxNesting -> checkScript (T.intercalate " " args) cwd (depth + 1)
          _ -> Nothing

reserved :: [Text]
reserved = ["!", "{", "if", "then", "else", "elif", "do", "while", "until"]

-- | @xargs@ options (GNU and BSD) that take the next word as their value; the optional-value
-- ones (@-i@, @-l@, @-e@, @--replace@, ...) only take an attached value.
xargsWithValue :: [Text]
xargsWithValue =
  [ "-a", "-d", "-E", "-I", "-J", "-L", "-n", "-P", "-R", "-s", "-S"
  , "--arg-file", "--delimiter", "--max-args", "--max-chars", "--max-procs", "--process-slot-var"
  ]

-- | Drops what runs /another/ command from the front: assignments, reserved words, wrappers.
stripPrefixes :: [Text] -> [Text]
stripPrefixes [] = []
stripPrefixes ws@(first : rest) =
  let skip
        | isAssignment first || first `elem` reserved = Just 1
        | otherwise = case basename first of
            b | b `elem` ["sudo", "doas"] -> Just (1 + optionsLen rest ["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"])
            "env" -> Just (1 + optionsLen rest ["-u", "-C", "--unset", "--chdir"])
            b | b `elem` ["command", "builtin", "exec", "nohup", "time"] -> Just (1 + optionsLen rest ["-a"])
            "nice" -> Just (1 + optionsLen rest ["-n"])
            "timeout" -> Just (2 + optionsLen rest ["-s", "-k", "--signal", "--kill-after"])
            -- xargs [options] COMMAND ARGS...: runs COMMAND ARGS plus what it reads.
            "xargs" -> Just (1 + optionsLen rest xargsWithValue)
            _ -> Nothing
   in case skip of
        Nothing -> ws
        Just n -> stripPrefixes (drop n ws)

optionsLen :: [Text] -> [Text] -> Int
optionsLen ws withValue = min (go 0) (length ws)
  where
    go i = case drop i ws of
      (w : _)
        | w == "--" -> i + 1
        | not ("-" `T.isPrefixOf` w) || w == "-" -> i
        | w `elem` withValue -> go (i + 2)
        | otherwise -> go (i + 1)
      [] -> i

isAssignment :: Text -> Bool
isAssignment w = case T.breakOn "=" w of
  (_, r) | T.null r -> False
  (name0, _) ->
    let name = maybe name0 id (T.stripSuffix "+" name0)
     in case T.unpack name of
          (c : cs) -> (isAsciiLetter c || c == '_') && all (\x -> isAsciiLetter x || isDigit x || x == '_') cs
          [] -> False
  where
    isAsciiLetter c = isAsciiLower c || isAsciiUpper c

basename :: Text -> Text
basename = last . T.splitOn "/"

displayCommand :: [Text] -> Text
displayCommand ws =
  let joined = T.intercalate " " ws
   in if T.length joined <= 200 then joined else T.take 200 joined <> "…"

-- | The script of @sh -c '<script>'@ (or @bash -lc@, @-o pipefail -c@, ...): the first operand
-- after an option cluster holding @c@. @-o@/@+o@/@-O@/@+O@ (last in a cluster), @--rcfile@ and
-- @--init-file@ take the next word as their value; @-@ and @--@ end the options.
shellCScript :: [Text] -> Maybe Text
shellCScript = go False
  where
    go _ [] = Nothing
    go seenC (a : as)
      | isCluster a =
          let seenC' = seenC || ("-" `T.isPrefixOf` a && T.any (== 'c') a)
           in go seenC' (if T.last a `elem` ("oO" :: String) then drop 1 as else as)
      | a == "--" || a == "-" = if seenC then listToMaybe as else Nothing
      | "--" `T.isPrefixOf` a = go seenC (if a `elem` ["--rcfile", "--init-file"] then drop 1 as else as)
      | otherwise = if seenC then Just a else Nothing
    isCluster a =
      T.length a > 1 && ("+" `T.isPrefixOf` a || ("-" `T.isPrefixOf` a && not ("--" `T.isPrefixOf` a)))

forcePushDetail :: [Text] -> Maybe Text
forcePushDetail args =
  case dropGlobal args of
    ("push" : rest) -> pushArgs False rest
    _ -> Nothing
  where
    globalWithValue = ["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", "--exec-path"]
    dropGlobal (a : as)
      | "-" `T.isPrefixOf` a = if a `elem` globalWithValue then dropGlobal (drop 1 as) else dropGlobal as
    dropGlobal as = as
    pushWithValue = ["--repo", "--receive-pack", "--exec", "--push-option"]
    pushArgs _ [] = Nothing
    pushArgs done (a : as)
      | done || not ("-" `T.isPrefixOf` a) || a == "-" =
          if "+" `T.isPrefixOf` a && T.length a > 1
            then Just ("pushes the forced refspec `" <> a <> "`")
            else pushArgs done as
      | a == "--" = pushArgs True as
      | Just long <- T.stripPrefix "--" a =
          let name = fst (T.breakOn "=" long)
           in if name `elem` ["force", "force-with-lease"]
                then Just ("force-pushes (`" <> a <> "`)")
                else pushArgs done (if a `elem` pushWithValue then drop 1 as else as)
      | otherwise = cluster (T.unpack (T.drop 1 a))
      where
        cluster [] = pushArgs done as
        cluster ('f' : _) = Just ("force-pushes (`" <> a <> "`)")
        cluster ['o'] = pushArgs done (drop 1 as)
        cluster ('o' : _) = pushArgs done as
        cluster (_ : cs) = cluster cs

recursiveDetail :: [Text] -> Maybe Text -> Maybe Text
recursiveDetail args cwd =
  let (recursive, targets) = scan False False [] args
   in if not recursive
        then Nothing
        else listToMaybe
          [ "recursively deletes `" <> t <> "`, which is " <> what
          | t <- targets
          , Just what <- [protectedTarget t cwd]
          ]
  where
    scan r _ ts [] = (r, reverse ts)
    scan r done ts (a : as)
      | done || not ("-" `T.isPrefixOf` a) || a == "-" = scan r done (a : ts) as
      | a == "--" = scan r True ts as
      | Just long <- T.stripPrefix "--" a = scan (r || long == "recursive") done ts as
      | otherwise = scan (r || T.any (`elem` ("rR" :: String)) a) done ts as

data Base = Root | Home | Cwd deriving (Eq)

protectedTarget :: Text -> Maybe Text -> Maybe Text
protectedTarget target cwd
  | T.null target = Nothing
  | otherwise =
      let (base, rest) = splitBase target
          parts0 = filter (\p -> not (T.null p) && p /= ".") (T.splitOn "/" rest)
          parts = if not (null parts0) && last parts0 == "*" then init parts0 else parts0
          cwdParts = case cwd of
            Just c | "/" `T.isPrefixOf` c -> Just (resolve [] (T.splitOn "/" c))
            _ -> Nothing
          containsCwd = "the working directory or a directory that contains it"
       in case base of
            Root ->
              let path = resolve [] parts
               in if null path
                    then Just "the file system root"
                    else if maybe False (path `isPrefixOf`) cwdParts then Just containsCwd else Nothing
            Home ->
              if null (resolve [] parts) then Just "the home directory or a directory that contains it" else Nothing
            Cwd ->
              let hit = case cwdParts of
                    Just c -> resolve c parts `isPrefixOf` c
                    Nothing -> null (resolve [] parts)
               in if hit then Just containsCwd else Nothing

splitBase :: Text -> (Base, Text)
splitBase target = case [ (b, r) | (p, b) <- prefixes, Just r <- [T.stripPrefix p target], T.null r || "/" `T.isPrefixOf` r ] of
  (x : _) -> x
  [] -> if "/" `T.isPrefixOf` target then (Root, target) else (Cwd, target)
  where
    prefixes = [("~", Home), ("$HOME", Home), ("${HOME}", Home), ("$PWD", Cwd), ("${PWD}", Cwd)]

-- | Appends parts to a start, resolving @.@ and @..@ lexically (@..@ above the start is dropped).
resolve :: [Text] -> [Text] -> [Text]
resolve start = reverse . foldl step (reverse start)
  where
    step acc p
      | T.null p || p == "." = acc
      | p == ".." = drop 1 acc
      | otherwise = p : acc
