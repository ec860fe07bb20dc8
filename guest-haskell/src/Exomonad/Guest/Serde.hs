{-# LANGUAGE OverloadedStrings #-}
-- | Typed reading of JSON the way the Rust guest's serde types read it, and writing it back
-- the way serde writes them.
--
-- The Rust guest parses tool arguments and host replies into types and serializes those
-- types again: unknown keys are dropped (or refused, for @deny_unknown_fields@), a missing
-- @Option@ becomes @null@, a missing @#[serde(default)]@ field its default, numbers are checked
-- against their integer width, and a reply of the wrong shape is an error. A 'Shape' describes
-- one such type; 'readShape' checks a value against it and gives back its serialized form,
-- with messages in serde's words. 'prettyJson' writes a value as @serde_json::to_string_pretty@
-- does (keys sorted, two-space indent), which is the text of a tool's JSON result.
module Exomonad.Guest.Serde
  ( Shape (..)
  , Obj (..)
  , Tagged (..)
  , FieldS (..)
  , Missing (..)
  , Skip (..)
  , field
  , optional
  , defaulted
  , struct
  , readShape
  , readShapePath
  , rustDebug
  , prettyJson
  ) where

import Data.Aeson (Value (..))
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import Data.Char (intToDigit, ord)
import Data.Int (Int64)
import Data.List (sortOn)
import Data.Scientific (Scientific)
import qualified Data.Scientific as Sci
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Vector as V
import Data.Word (Word32, Word64)
import Numeric (floatToDigits, showHex)

import Exomonad.Guest.Form (validAgentId)

-- | A serde type, as far as the guest ABI needs them.
data Shape
  = SString
  | SBool
  | SU32
  | SU64
  | SF64
  | SAgentId
    -- ^ a string that must be a valid agent id
  | SAny
    -- ^ any JSON value (@serde_json::Value@)
  | SOption Shape
    -- ^ @Option<T>@: @null@ is @None@
  | SList Shape
  | SMap Shape
    -- ^ string keys, values of one shape
  | SUnitEnum Text [Text]
    -- ^ an enum of unit variants, as strings (name, variants)
  | SObj Obj
    -- ^ a struct, possibly with an internally tagged enum flattened into it
  | SFieldValue
    -- ^ the untagged @FieldValue@ of a form reply: boolean, number, string or list of strings

-- | A struct (or an internally tagged enum, which is one with no own fields).
data Obj = Obj
  { objExpecting :: Text
    -- ^ how serde names it in messages: @struct GitLogArgs@
  , objDeny :: Bool
    -- ^ @deny_unknown_fields@
  , objFields :: [FieldS]
  , objTagged :: Maybe Tagged
  }

-- | An internally tagged enum: the tag key and each variant's fields.
data Tagged = Tagged { tagKey :: Text, tagVariants :: [(Text, [FieldS])] }

-- | One field of a struct.
data FieldS = FieldS
  { fsName :: Text
  , fsShape :: Shape
  , fsMissing :: Missing
  , fsSkip :: Skip
  }

-- | What a missing field means.
data Missing
  = Required
    -- ^ an error
  | NoneIfMissing
    -- ^ an @Option@ without @#[serde(default)]@: @null@ (but still required in array form)
  | DefaultTo Value
    -- ^ @#[serde(default)]@

-- | When serialization leaves the field out (@skip_serializing_if@).
data Skip = Never | SkipNull | SkipEmpty | SkipFalse

-- | A required field.
field :: Text -> Shape -> FieldS
field n s = FieldS n s Required Never

-- | An @Option@ field, written as @null@ when absent unless told to skip it.
optional :: Text -> Shape -> Skip -> FieldS
optional n s = FieldS n (SOption s) NoneIfMissing

-- | A @#[serde(default)]@ field.
defaulted :: Text -> Shape -> Value -> Skip -> FieldS
defaulted n s d = FieldS n s (DefaultTo d)

-- | A plain struct.
struct :: Text -> Bool -> [FieldS] -> Shape
struct name deny fs = SObj (Obj ("struct " <> name) deny fs Nothing)

-- | Reads @v@ as the type: its serialized form, or serde's message of what is wrong.
readShape :: Shape -> Value -> Either Text Value
readShape shape = either (Left . snd) Right . readAt shape

-- | 'readShape' whose message starts with where in @v@ the problem is, as
-- @serde_path_to_error@ writes it (the Rust guest reads tool arguments through it):
-- @limit: invalid type: ...@, @steps[0].fields[1].name: ...@; nothing when the problem is
-- the value as a whole (@missing field `path`@).
readShapePath :: Shape -> Value -> Either Text Value
readShapePath shape = either (Left . located) Right . readAt shape
  where
    located (segs, msg)
      | null segs = msg
      | otherwise = T.concat (zipWith seg [0 :: Int ..] segs) <> ": " <> msg
    seg i (Key k) = (if i == 0 then "" else ".") <> k
    seg _ (Index n) = "[" <> T.pack (show n) <> "]"

-- | One step into a value: a struct field or map key, or a sequence index.
data Seg = Key Text | Index Int

-- | What is wrong, and where: the steps from the top.
type Problem = ([Seg], Text)

-- | A problem of the value itself (no steps).
here :: Either Text a -> Either Problem a
here = either (\m -> Left ([], m)) Right

-- | A problem one step further in.
under :: Seg -> Either Problem a -> Either Problem a
under s = either (\(segs, m) -> Left (s : segs, m)) Right

readAt :: Shape -> Value -> Either Problem Value
readAt shape v = case shape of
  SString -> here $ case v of
    String _ -> Right v
    _ -> invalidType v "a string"
  SBool -> here $ case v of
    Bool _ -> Right v
    _ -> invalidType v "a boolean"
  SU32 -> here $ integer (fromIntegral (maxBound :: Word32)) "u32"
  SU64 -> here $ integer (fromIntegral (maxBound :: Word64)) "u64"
  SF64 -> here $ case v of
    Number n -> Right (Number (asFloat (Sci.toRealFloat n)))
    _ -> invalidType v "f64"
  SAgentId -> here $ case v of
    String s -> maybe (Right v) Left (agentIdProblem s)
    _ -> invalidType v "a string"
  SAny -> Right v
  SOption inner -> case v of
    Null -> Right Null
    _ -> readAt inner v
  SList inner -> case v of
    Array xs -> Array . V.fromList <$> traverse (\(i, x) -> under (Index i) (readAt inner x)) (zip [0 ..] (V.toList xs))
    _ -> here (invalidType v "a sequence")
  SMap inner -> case v of
    Object o -> Object . KM.fromList <$> traverse (\(k, x) -> (,) k <$> under (Key (K.toText k)) (readAt inner x)) (sortedPairs o)
    _ -> here (invalidType v "a map")
  SUnitEnum _ variants -> here $ case v of
    String s
      | s `elem` variants -> Right v
      | otherwise -> Left (unknownVariant s variants)
    Object o -> case KM.toList o of
      [(k, x)]
        | K.toText k `notElem` variants -> Left (unknownVariant (K.toText k) variants)
        | Null <- x -> Right (String (K.toText k))
        | otherwise -> invalidType x "unit variant"
      _ -> Left "invalid value: map, expected map with a single key"
    _ -> invalidType v "string or map"
  SFieldValue -> here $ case v of
    Bool _ -> Right v
    Number n -> Right (Number (asFloat (Sci.toRealFloat n)))
    String _ -> Right v
    Array xs | all isString (V.toList xs) -> Right v
    _ -> Left "data did not match any variant of untagged enum FieldValue"
  SObj o -> readObj o v
  where
    integer :: Integer -> Text -> Either Text Value
    integer top name = case v of
      Number n -> case number n of
        Left f -> Left ("invalid type: floating point `" <> displayFloat f <> "`, expected " <> name)
        Right i
          | i < 0 || i > top -> Left ("invalid value: integer `" <> T.pack (show i) <> "`, expected " <> name)
          | otherwise -> Right (Number (fromInteger i))
      _ -> invalidType v name
    isString (String _) = True
    isString _ = False

-- | A struct's own fields are steps of their own; the fields of a flattened tagged enum are
-- not (serde reads them from a buffer, and @serde_path_to_error@ sees no step there).
readObj :: Obj -> Value -> Either Problem Value
readObj o v = case v of
  Object m -> do
    let own = objFields o
        ownNames = map fsName own
    ownVals <- traverse
      (\(k, x) -> under (Key (K.toText k)) $ case lookupField (K.toText k) own of
          Just f -> Just . (,) f <$> readAt (fsShape f) x
          Nothing
            | objDeny o -> here (Left (unknownField (K.toText k) ownNames))
            | otherwise -> Right Nothing)
      (sortedPairs m)
    ownOut <- here (complete own [p | Just p <- ownVals])
    tagOut <- case objTagged o of
      Nothing -> Right []
      Just (Tagged key variants) -> case KM.lookup (K.fromText key) m of
        Nothing -> here (Left ("missing field `" <> key <> "`"))
        Just (String t) -> case lookup t variants of
          Nothing -> here (Left (unknownVariant t (map fst variants)))
          Just fs -> do
            vals <- traverse
              (\(k, x) -> case lookupField (K.toText k) fs of
                  Just f -> Just . (,) f <$> flat (readAt (fsShape f) x)
                  Nothing -> Right Nothing)
              [p | p@(k, _) <- sortedPairs m, K.toText k /= key]
            out <- here (complete fs [p | Just p <- vals])
            pure ((key, String t) : out)
        Just x -> here (invalidType x "variant identifier")
    pure (object' (ownOut ++ tagOut))
  Array xs | Nothing <- objTagged o -> positional (V.toList xs)
  _ -> here (invalidType v (objExpecting o))
  where
    flat = either (\(_, m) -> Left ([], m)) Right
    positional xs = do
      let fs = objFields o
          n = length fs
          expecting = objExpecting o <> " with " <> T.pack (show n) <> " element" <> (if n == 1 then "" else "s")
          go _ [] [] = Right []
          go i (f : rest) (x : xs') = (:) (i, f, x) <$> go (i + 1) rest xs'
          go i (f : rest) [] = case fsMissing f of
            DefaultTo d -> (:) (i, f, d) <$> go (i + 1) rest []
            _ -> Left ("invalid length " <> T.pack (show (i :: Int)) <> ", expected " <> expecting)
          go _ [] _ = Left ("invalid length " <> T.pack (show (length xs)) <> ", expected fewer elements in array")
      triples <- here (go 0 fs xs)
      out <- traverse (\(i, f, x) -> (,) f <$> under (Index i) (readAt (fsShape f) x)) triples
      here (object' <$> complete fs out)

lookupField :: Text -> [FieldS] -> Maybe FieldS
lookupField k = foldr (\f r -> if fsName f == k then Just f else r) Nothing

-- | The fields in declaration order, each present, defaulted or missing (an error), then
-- dropped when serialization skips it.
complete :: [FieldS] -> [(FieldS, Value)] -> Either Text [(Text, Value)]
complete fs got = concat <$> traverse one fs
  where
    one f = do
      val <- case [x | (g, x) <- got, fsName g == fsName f] of
        (x : _) -> Right x
        [] -> case fsMissing f of
          Required -> Left ("missing field `" <> fsName f <> "`")
          NoneIfMissing -> Right Null
          DefaultTo d -> Right d
      pure [(fsName f, val) | not (skipped (fsSkip f) val)]
    skipped s x = case (s, x) of
      (SkipNull, Null) -> True
      (SkipEmpty, Array a) -> V.null a
      (SkipFalse, Bool False) -> True
      _ -> False

object' :: [(Text, Value)] -> Value
object' = Object . KM.fromList . map (\(k, x) -> (K.fromText k, x))

sortedPairs :: KM.KeyMap Value -> [(K.Key, Value)]
sortedPairs = sortOn (T.unpack . K.toText . fst) . KM.toList

-- | A JSON number as serde_json sees it: an integer (when it is one that fits 64 bits) or a
-- float. (serde_json also calls @3.0@ a float; aeson cannot tell it from @3@.)
number :: Scientific -> Either Double Integer
number n = case (Sci.toBoundedInteger n :: Maybe Int64, Sci.toBoundedInteger n :: Maybe Word64) of
  (Just i, _) -> Right (toInteger i)
  (_, Just w) -> Right (toInteger w)
  _ -> Left (Sci.toRealFloat n)

-- | A float kept as a float: its exponent is negative, so it is written with a decimal point
-- (by aeson and by 'prettyJson'), as serde writes an @f64@.
asFloat :: Double -> Scientific
asFloat d
  | isNaN d || isInfinite d = 0
  | otherwise =
      let s = Sci.fromFloatDigits d
          e = Sci.base10Exponent s
       in if e < 0 then s else Sci.scientific (Sci.coefficient s * 10 ^ (e + 1)) (-1)

-- | serde's words for the value it did not expect.
unexpected :: Value -> Text
unexpected v = case v of
  Null -> "null"
  Bool b -> "boolean `" <> (if b then "true" else "false") <> "`"
  Number n -> either (\f -> "floating point `" <> displayFloat f <> "`") (\i -> "integer `" <> T.pack (show i) <> "`") (number n)
  String s -> "string " <> rustDebug s
  Array _ -> "sequence"
  Object _ -> "map"

invalidType :: Value -> Text -> Either Text a
invalidType v expected = Left ("invalid type: " <> unexpected v <> ", expected " <> expected)

unknownField :: Text -> [Text] -> Text
unknownField k names = "unknown field `" <> k <> "`, " <> case names of
  [] -> "there are no fields"
  _ -> "expected " <> oneOf names

unknownVariant :: Text -> [Text] -> Text
unknownVariant k names = "unknown variant `" <> k <> "`, " <> case names of
  [] -> "there are no variants"
  _ -> "expected " <> oneOf names

oneOf :: [Text] -> Text
oneOf names = case names of
  [a] -> tick a
  [a, b] -> tick a <> " or " <> tick b
  _ -> "one of " <> T.intercalate ", " (map tick names)
  where
    tick n = "`" <> n <> "`"

-- | @AgentIdError@'s text, or 'Nothing' for a valid id.
agentIdProblem :: Text -> Maybe Text
agentIdProblem s
  | validAgentId s = Nothing
  | T.null s = Just "agent id is empty"
  | B.length (TE.encodeUtf8 s) > 64 = Just ("agent id is " <> T.pack (show (B.length (TE.encodeUtf8 s))) <> " bytes long; at most 64 are allowed")
  | otherwise = Just ("agent id " <> rustDebug s <> " must be ASCII letters, digits, '-', '_' or '.', start with a letter or digit, and not contain '..'")

-- | A string as Rust's @{:?}@ writes it.
rustDebug :: Text -> Text
rustDebug s = "\"" <> T.concatMap esc s <> "\""
  where
    esc c = case c of
      '"' -> "\\\""
      '\\' -> "\\\\"
      '\n' -> "\\n"
      '\r' -> "\\r"
      '\t' -> "\\t"
      '\0' -> "\\0"
      _ | ord c < 0x20 || ord c == 0x7f -> T.pack ("\\u{" <> showHex (ord c) "" <> "}")
        | otherwise -> T.singleton c

-- | An @f64@ as Rust's @Display@ writes it in serde's messages (never an exponent; @3.0@).
displayFloat :: Double -> Text
displayFloat d
  | isNaN d = "NaN"
  | isInfinite d = if d > 0 then "inf" else "-inf"
  | otherwise =
      let t = T.pack (Sci.formatScientific Sci.Fixed Nothing (Sci.fromFloatDigits d))
       in if "." `T.isInfixOf` t then t else t <> ".0"

-- | An @f64@ as serde_json writes it (ryu: @3.0@, @0.001@, @1e16@, @1.5e-7@).
ryu :: Double -> Text
ryu d
  | isNaN d || isInfinite d = "null"
  | d == 0 = if isNegativeZero d then "-0.0" else "0.0"
  | d < 0 = "-" <> ryu (negate d)
  | otherwise =
      let (ds, kk) = floatToDigits 10 d
          digits = map intToDigit ds
          len = length ds
          expo = kk - len
       in T.pack $
            if expo >= 0 && kk <= 16
              then digits ++ replicate expo '0' ++ ".0"
              else
                if kk > 0 && kk <= 16
                  then take kk digits ++ "." ++ drop kk digits
                  else
                    if kk > -5 && kk <= 0
                      then "0." ++ replicate (negate kk) '0' ++ digits
                      else case digits of
                        [one] -> one : 'e' : show (kk - 1)
                        (h : rest) -> h : '.' : rest ++ "e" ++ show (kk - 1)
                        [] -> "0.0"

-- | @serde_json::to_string_pretty@: keys in order, two spaces of indent, @"key": value@.
prettyJson :: Value -> Text
prettyJson = go 0
  where
    go :: Int -> Value -> Text
    go ind v = case v of
      Null -> "null"
      Bool b -> if b then "true" else "false"
      Number n
        | Sci.base10Exponent n < 0 -> ryu (Sci.toRealFloat n)
        | otherwise -> either ryu (T.pack . show) (number n)
      String s -> jsonString s
      Array xs
        | V.null xs -> "[]"
        | otherwise -> "[\n" <> T.intercalate ",\n" [pad (ind + 1) <> go (ind + 1) x | x <- V.toList xs] <> "\n" <> pad ind <> "]"
      Object o
        | KM.null o -> "{}"
        | otherwise ->
            "{\n" <> T.intercalate ",\n" [pad (ind + 1) <> jsonString (K.toText k) <> ": " <> go (ind + 1) x | (k, x) <- sortedPairs o]
              <> "\n" <> pad ind <> "}"
    pad n = T.replicate n "  "

-- | A JSON string with serde_json's escapes.
jsonString :: Text -> Text
jsonString s = "\"" <> T.concatMap esc s <> "\""
  where
    esc c = case c of
      '"' -> "\\\""
      '\\' -> "\\\\"
      '\b' -> "\\b"
      '\f' -> "\\f"
      '\n' -> "\\n"
      '\r' -> "\\r"
      '\t' -> "\\t"
      _ | ord c < 0x20 -> T.pack ("\\u00" <> [intToDigit (ord c `div` 16), intToDigit (ord c `mod` 16)])
        | otherwise -> T.singleton c
