{-# LANGUAGE OverloadedStrings #-}
-- | Small helpers for reading JSON objects field by field with messages in the Rust
-- guest's (serde's) words, and writing envelopes.
module Exomonad.Guest.Json
  ( Obj
  , kindOf
  , reqField
  , optField
  , textV
  , boolV
  , anyV
  , listV
  , numV
  , okEnvelope
  , errEnvelope
  , encodeStrict
  ) where

import Data.Aeson (Value (..), encode, object, (.=))
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import qualified Data.ByteString.Lazy as BL
import Data.Scientific (toRealFloat)
import Data.Text (Text)
import qualified Data.Vector as V

import Exomonad.Guest.Effect (AbiError (..), errorCodeText)

-- | A JSON object.
type Obj = KM.KeyMap Value

-- | @a string@, @null@, ... as serde names JSON kinds.
kindOf :: Value -> Text
kindOf v = case v of
  Null -> "null"
  Bool _ -> "a boolean"
  Number _ -> "a number"
  String _ -> "a string"
  Array _ -> "an array"
  Object _ -> "an object"

-- | A required field read with @conv@.
reqField :: Obj -> Text -> (Text -> Value -> Either Text a) -> Either Text a
reqField o k conv = case KM.lookup (K.fromText k) o of
  Nothing -> Left ("missing field `" <> k <> "`")
  Just v -> conv k v

-- | An optional field (absent or @null@ is 'Nothing').
optField :: Obj -> Text -> (Text -> Value -> Either Text a) -> Either Text (Maybe a)
optField o k conv = case KM.lookup (K.fromText k) o of
  Nothing -> Right Nothing
  Just Null -> Right Nothing
  Just v -> Just <$> conv k v

invalid :: Text -> Text -> Value -> Either Text a
invalid expected k v = Left ("invalid type: " <> kindOf v <> ", expected " <> expected <> " (field `" <> k <> "`)")

-- | A string.
textV :: Text -> Value -> Either Text Text
textV _ (String s) = Right s
textV k v = invalid "a string" k v

-- | A boolean.
boolV :: Text -> Value -> Either Text Bool
boolV _ (Bool b) = Right b
boolV k v = invalid "a boolean" k v

-- | Any value.
anyV :: Text -> Value -> Either Text Value
anyV _ v = Right v

-- | A number.
numV :: Text -> Value -> Either Text Double
numV _ (Number n) = Right (toRealFloat n)
numV k v = invalid "a number" k v

-- | A list, each item read with @conv@.
listV :: (Text -> Value -> Either Text a) -> Text -> Value -> Either Text [a]
listV conv k (Array xs) = traverse (conv k) (V.toList xs)
listV _ k v = invalid "a sequence" k v

-- | @{"ok": v}@ as UTF-8 bytes.
okEnvelope :: Value -> B.ByteString
okEnvelope v = encodeStrict (object ["ok" .= v])

-- | @{"error": {"code", "message"}}@ as UTF-8 bytes.
errEnvelope :: AbiError -> B.ByteString
errEnvelope (AbiError c m) = encodeStrict (object ["error" .= object ["code" .= errorCodeText c, "message" .= m]])

-- | Compact UTF-8 JSON.
encodeStrict :: Value -> B.ByteString
encodeStrict = BL.toStrict . encode
