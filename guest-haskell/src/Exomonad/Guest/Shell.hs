-- | A small, forgiving shell lexer: just enough of POSIX @sh@ to find the commands a command
-- line runs, for the deny-list. A port of the Rust guest's @shell.rs@ (same rules: separators
-- @; && || | |& & newline ( )@, backquotes and unquoted @$(@ end a command; quotes @'..'@,
-- @".."@, @$'..'@ and @\\x@ are removed; comments; redirections and their targets dropped;
-- here-document bodies skipped). Never fails.
module Exomonad.Guest.Shell (simpleCommands) where

import Data.Char (isDigit)
import Data.Text (Text)
import qualified Data.Text as T

data Redirect = Plain | HereDoc Bool

data L = L
  { lCommands :: [[Text]] -- reversed
  , lWords :: [Text] -- reversed
  , lWord :: String -- reversed
  , lInWord :: Bool
  , lQuoted :: Bool
  , lRedirect :: Maybe Redirect
  , lHeredocs :: [(Text, Bool)] -- in order
  }

-- | Splits a script into its simple commands, in order; each is its words with quotes
-- removed and redirections dropped. Empty commands are left out.
simpleCommands :: Text -> [[Text]]
simpleCommands script = reverse (lCommands (endCommand (go (T.unpack script) st0)))
  where
    st0 = L [] [] [] False False Nothing []

go :: String -> L -> L
go [] s = s
go (c : cs) s = case c of
  '\\' -> case cs of
    '\n' : r -> go r s
    e : r -> go r (push e True s)
    [] -> go [] (push '\\' False s)
  '\'' -> let (w, r) = break (== '\'') cs in go (drop 1 r) (quotedText w s)
  '"' -> let (w, r) = dq cs [] in go r (quotedText w s)
  '$' | ('\'' : r) <- cs -> let (w, r') = ansi r [] in go r' (quotedText w s)
      | ('(' : r) <- cs -> go r (endCommand s)
  '&' | ('>' : r) <- cs -> redirOp '>' r (endWord s)
  _ | c `elem` "`;|&()" -> go cs (endCommand s)
  '\n' -> let s' = endCommand s in skipHeredocs cs s'
  _ | c `elem` " \t\r" -> go cs (endWord s)
  _ | c == '>' || c == '<' -> redirection c cs s
  '#' | not (lInWord s) -> go (dropWhile (/= '\n') cs) s
  _ -> go cs (push c False s)

push :: Char -> Bool -> L -> L
push c q s = s {lWord = c : lWord s, lInWord = True, lQuoted = lQuoted s || q}

quotedText :: String -> L -> L
quotedText w s = s {lWord = reverse w ++ lWord s, lInWord = True, lQuoted = True}

-- | Inside double quotes: returns the text and the rest after the closing quote.
dq :: String -> String -> (String, String)
dq [] acc = (reverse acc, [])
dq ('"' : r) acc = (reverse acc, r)
dq ('\\' : e : r) acc
  | e `elem` "$`\"\\" = dq r (e : acc)
  | e == '\n' = dq r acc
dq ('\\' : r) acc = dq r ('\\' : acc)
dq (c : r) acc = dq r (c : acc)

-- | Inside @$'...'@.
ansi :: String -> String -> (String, String)
ansi [] acc = (reverse acc, [])
ansi ('\'' : r) acc = (reverse acc, r)
ansi ('\\' : e : r) acc = ansi r ((case e of 'n' -> '\n'; 't' -> '\t'; _ -> e) : acc)
ansi "\\" acc = (reverse acc, [])
ansi (c : r) acc = ansi r (c : acc)

redirection :: Char -> String -> L -> L
redirection c cs s =
  let w = lWord s
      fdNumber = lInWord s && not (lQuoted s) && not (null w) && all isDigit w
      s' = if fdNumber then s {lWord = [], lInWord = False} else endWord s
   in redirOp c cs s'

redirOp :: Char -> String -> L -> L
redirOp '<' cs s = case cs of
  '<' : '<' : r -> go r s {lRedirect = Just Plain}
  '<' : '-' : r -> go r s {lRedirect = Just (HereDoc True)}
  '<' : r -> go r s {lRedirect = Just (HereDoc False)}
  x : r | x == '&' || x == '>' -> go r s {lRedirect = Just Plain}
  _ -> go cs s {lRedirect = Just Plain}
redirOp _ cs s = case cs of
  x : r | x `elem` ">&|" -> go r s {lRedirect = Just Plain}
  _ -> go cs s {lRedirect = Just Plain}

endWord :: L -> L
endWord s
  | not (lInWord s) = s
  | otherwise =
      let w = T.pack (reverse (lWord s))
          s' = s {lWord = [], lInWord = False, lQuoted = False, lRedirect = Nothing}
       in case lRedirect s of
            Just (HereDoc strip) -> s' {lHeredocs = lHeredocs s ++ [(w, strip)]}
            Just Plain -> s'
            Nothing -> s' {lWords = w : lWords s}

endCommand :: L -> L
endCommand s0 =
  let s = (endWord s0) {lRedirect = Nothing}
   in if null (lWords s) then s else s {lCommands = reverse (lWords s) : lCommands s, lWords = []}

-- | After a newline: skips the bodies of the here-documents opened on the line before.
skipHeredocs :: String -> L -> L
skipHeredocs input s = go (foldl skipOne input (lHeredocs s)) s {lHeredocs = []}
  where
    skipOne inp (delim, strip) = loop inp
      where
        loop [] = []
        loop i =
          let (line, rest) = break (== '\n') i
              line' = if strip then dropWhile (== '\t') line else line
           in if T.pack line' == delim then drop 1 rest else case rest of
                [] -> []
                _ : r -> loop r
