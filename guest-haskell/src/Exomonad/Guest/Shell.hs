-- | A small, forgiving shell lexer: just enough of POSIX @sh@ to find the commands a command
-- line runs, for the deny-list. A port of the Rust guest's @shell.rs@, whose module
-- documentation states the rules in full; in short:
--
-- * separators @; && || | |& & newline ( )@ end a command;
-- * command substitutions @$(...)@ and backquotes, unquoted or inside double quotes: the
--   commands inside are commands of their own, listed before the command whose word holds
--   them; that word keeps the substitution's source text. @$(...)@ ends at its matching @)@
--   (quotes, comments and here-documents inside lexed as usual); a backquoted script ends at
--   the next unescaped backquote and is lexed on its own (@\\`@, @\\$@, @\\\\@, and @\\"@
--   inside double quotes, unescaped). Deeper than 'maxSubstitutionDepth' a substitution is
--   not followed: unquoted it only ends a command, inside double quotes it is text;
-- * quotes @'..'@, @".."@ (escapes @\\$ \\` \\" \\\\@), @$'..'@ and @\\x@ are removed;
--   @\\@ + newline is a line continuation;
-- * an unquoted @#@ at the start of a word starts a comment;
-- * redirections and their targets are dropped; here-document bodies are data, but the
--   substitutions in an unquoted one (@<<EOF@, not @<<'EOF'@) run and are lexed.
--
-- No expansion of variables, globs, aliases or braces. Never fails; unterminated quotes and
-- substitutions run to the end of the input.
module Exomonad.Guest.Shell (simpleCommands, maxSubstitutionDepth) where

import Data.Char (isDigit)
import Data.Text (Text)
import qualified Data.Text as T

-- | How deeply command substitutions are followed (@$(a $(b ...))@ is depth 2).
maxSubstitutionDepth :: Int
maxSubstitutionDepth = 16

data Redirect = Plain | HereDoc Bool

data L = L
  { lCommands :: [[Text]] -- reversed
  , lWords :: [Text] -- reversed
  , lWord :: String -- reversed
  , lInWord :: Bool
  , lQuoted :: Bool
  , lRedirect :: Maybe Redirect
  , lHeredocs :: [HereDoc] -- in order
  }

-- | A here-document whose body is still to be read.
data HereDoc = HereDoc'
  { hdDelimiter :: Text -- ^ quotes removed
  , hdStripTabs :: Bool -- ^ @<<-@
  , hdExpands :: Bool -- ^ the delimiter was not quoted: the body's substitutions run
  }

-- | Splits a script into its simple commands, in order; each is its words with quotes
-- removed and redirections dropped. Empty commands are left out.
simpleCommands :: Text -> [[Text]]
simpleCommands script = lexScript 0 (T.unpack script)

-- | The simple commands of a script read inside @depth@ substitutions.
lexScript :: Int -> String -> [[Text]]
lexScript depth input = reverse (lCommands (endCommand (fst (lexUntil depth False input st0))))
  where
    st0 = L [] [] [] False False Nothing []

-- | Lexes commands to the end of the input or, in a substitution, to the @)@ that closes it
-- (consumed; the command before it is left for the caller to end). Returns the rest.
lexUntil :: Int -> Bool -> String -> L -> (L, String)
lexUntil depth inSub = go (0 :: Int)
  where
    -- @open@: parentheses opened (and not closed) since this call began.
    go _ [] s = (s, [])
    go open (c : cs) s = case c of
      '\\' -> case cs of
        '\n' : r -> go open r s
        e : r -> go open r (push e True s)
        [] -> go open [] (push '\\' False s)
      '\'' -> let (w, r) = break (== '\'') cs in go open (drop 1 r) (quotedText w s)
      '"' -> let (s', r) = dq depth True cs s {lInWord = True, lQuoted = True} in go open r s'
      '$'
        | ('\'' : r) <- cs -> let (w, r') = ansi r [] in go open r' (quotedText w s)
        | ('(' : r) <- cs -> case substitution depth (c : cs) r s of
            Just (s', r') -> go open r' s'
            Nothing -> go (open + 1) r (endCommand s)
      '`' -> case backquoted depth False (c : cs) cs s of
        Just (s', r) -> go open r s'
        Nothing -> go open cs (endCommand s)
      '&' | ('>' : r) <- cs -> let (s', r') = redirOp '>' r (endWord s) in go open r' s'
      '(' -> go (open + 1) cs (endCommand s)
      ')'
        | inSub && open == 0 -> (s, cs)
        | otherwise -> go (max 0 (open - 1)) cs (endCommand s)
      _ | c `elem` ";|&" -> go open cs (endCommand s)
      '\n' -> let (s', r) = skipHeredocs depth cs (endCommand s) in go open r s'
      _ | c `elem` " \t\r" -> go open cs (endWord s)
      _ | c == '>' || c == '<' -> let (s', r) = redirection c cs s in go open r s'
      '#' | not (lInWord s) -> go open (dropWhile (/= '\n') cs) s
      _ -> go open cs (push c False s)

push :: Char -> Bool -> L -> L
push c q s = s {lWord = c : lWord s, lInWord = True, lQuoted = lQuoted s || q}

quotedText :: String -> L -> L
quotedText w s = s {lWord = reverse w ++ lWord s, lInWord = True, lQuoted = True}

-- | Appends a substitution's source text: the prefix of @whole@ that @rest@ does not cover.
withSource :: String -> String -> L -> L
withSource whole rest s =
  s {lWord = reverse (take (length whole - length rest) whole) ++ lWord s, lInWord = True}

-- | After @$(@ (@whole@ starts at the @$@, @rest@ after the @(@): lexes the commands inside,
-- up to the matching @)@, and appends the substitution's source text to the current word.
-- 'Nothing' when nested deeper than 'maxSubstitutionDepth'.
substitution :: Int -> String -> String -> L -> Maybe (L, String)
substitution depth whole rest s
  | depth >= maxSubstitutionDepth = Nothing
  | otherwise =
      let fresh = s {lWords = [], lWord = [], lInWord = False, lQuoted = False, lRedirect = Nothing}
          (inner, r) = lexUntil (depth + 1) True rest fresh
          inner' = endCommand inner
       in Just (withSource whole r s {lCommands = lCommands inner', lHeredocs = lHeredocs inner'}, r)

-- | After a backquote (@whole@ starts at it, @rest@ after it): reads the backquoted script to
-- the next unescaped backquote, lexes it on its own, and appends its source text to the
-- current word. 'Nothing' when nested deeper than 'maxSubstitutionDepth'.
backquoted :: Int -> Bool -> String -> String -> L -> Maybe (L, String)
backquoted depth inDq whole rest s
  | depth >= maxSubstitutionDepth = Nothing
  | otherwise =
      let (script, r) = bq rest []
          inner = lexScript (depth + 1) script
       in Just (withSource whole r s {lCommands = reverse inner ++ lCommands s}, r)
  where
    bq [] acc = (reverse acc, [])
    bq ('`' : r) acc = (reverse acc, r)
    bq ('\\' : e : r) acc
      | e `elem` "$`\\" || (inDq && e == '"') = bq r (e : acc)
    bq ('\\' : r) acc = bq r ('\\' : acc)
    bq (x : r) acc = bq r (x : acc)

-- | Text in which substitutions run: the inside of double quotes up to the closing quote
-- (@inDq@), or an unquoted here-document's body to the end of the input (where @"@ is text
-- and @\\"@ not an escape). Adds it to the current word; returns the rest.
dq :: Int -> Bool -> String -> L -> (L, String)
dq _ _ [] s = (s, [])
dq depth inDq (c : cs) s = case c of
  '"' | inDq -> (s, cs)
  '\\'
    | e : r <- cs, e `elem` "$`\\" || (inDq && e == '"') -> dq depth inDq r (text e s)
    | '\n' : r <- cs -> dq depth inDq r s
    | otherwise -> dq depth inDq cs (text '\\' s)
  '$'
    | '(' : r <- cs, Just (s', r') <- substitution depth (c : cs) r s -> dq depth inDq r' s'
  '`'
    | Just (s', r) <- backquoted depth inDq (c : cs) cs s -> dq depth inDq r s'
  _ -> dq depth inDq cs (text c s)
  where
    text x st = st {lWord = x : lWord st}

-- | Inside @$'...'@.
ansi :: String -> String -> (String, String)
ansi [] acc = (reverse acc, [])
ansi ('\'' : r) acc = (reverse acc, r)
ansi ('\\' : e : r) acc = ansi r ((case e of 'n' -> '\n'; 't' -> '\t'; _ -> e) : acc)
ansi "\\" acc = (reverse acc, [])
ansi (c : r) acc = ansi r (c : acc)

-- | @>@ or @<@ outside quotes: a redirection; returns the rest after the operator.
redirection :: Char -> String -> L -> (L, String)
redirection c cs s =
  let w = lWord s
      fdNumber = lInWord s && not (lQuoted s) && not (null w) && all isDigit w
      s' = if fdNumber then s {lWord = [], lInWord = False} else endWord s
   in redirOp c cs s'

-- | The rest of a redirection operator whose first character was the given one.
redirOp :: Char -> String -> L -> (L, String)
redirOp '<' cs s = case cs of
  '<' : '<' : r -> (s {lRedirect = Just Plain}, r)
  '<' : '-' : r -> (s {lRedirect = Just (HereDoc True)}, r)
  '<' : r -> (s {lRedirect = Just (HereDoc False)}, r)
  x : r | x == '&' || x == '>' -> (s {lRedirect = Just Plain}, r)
  _ -> (s {lRedirect = Just Plain}, cs)
redirOp _ cs s = case cs of
  x : r | x `elem` ">&|" -> (s {lRedirect = Just Plain}, r)
  _ -> (s {lRedirect = Just Plain}, cs)

endWord :: L -> L
endWord s
  | not (lInWord s) = s
  | otherwise =
      let w = T.pack (reverse (lWord s))
          s' = s {lWord = [], lInWord = False, lQuoted = False, lRedirect = Nothing}
       in case lRedirect s of
            Just (HereDoc strip) -> s' {lHeredocs = lHeredocs s ++ [HereDoc' w strip (not (lQuoted s))]}
            Just Plain -> s'
            Nothing -> s' {lWords = w : lWords s}

endCommand :: L -> L
endCommand s0 =
  let s = (endWord s0) {lRedirect = Nothing}
   in if null (lWords s) then s else s {lCommands = reverse (lWords s) : lCommands s, lWords = []}

-- | After a newline: reads the bodies of the here-documents opened on the line before;
-- returns the rest of the input. A body is data, except that the substitutions in an
-- unquoted one (@<<EOF@, not @<<'EOF'@) run: their commands are added.
skipHeredocs :: Int -> String -> L -> (L, String)
skipHeredocs depth input s0 = foldl readOne (s0 {lHeredocs = []}, input) (lHeredocs s0)
  where
    readOne (s, inp) hd =
      let (body, rest) = bodyOf hd inp []
          s' = if hdExpands hd then s {lCommands = reverse (heredocCommands depth body) ++ lCommands s} else s
       in (s', rest)
    bodyOf _ [] acc = (concat (reverse acc), [])
    bodyOf hd i acc =
      let (line, rest) = break (== '\n') i
          line' = if hdStripTabs hd then dropWhile (== '\t') line else line
       in if T.pack line' == hdDelimiter hd
            then (concat (reverse acc), drop 1 rest)
            else case rest of
              [] -> (concat (reverse ((line' ++ "\n") : acc)), [])
              _ : r -> bodyOf hd r ((line' ++ "\n") : acc)

-- | The commands run by the substitutions in an unquoted here-document's body.
heredocCommands :: Int -> String -> [[Text]]
heredocCommands depth body = reverse (lCommands (fst (dq depth False body st0)))
  where
    st0 = L [] [] [] False False Nothing []
