{-# LANGUAGE OverloadedStrings #-}
-- | Popup form requests: parsing and the validation of @FormRequest::validate@ in the shared
-- protocol (same rules, messages naming the field or step at fault).
module Exomonad.Guest.Form (validateRequest, validAgentId) where

import Control.Monad (forM_, unless, when)
import Data.Aeson (Value (..))
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import Data.Char (isAsciiLower, isAsciiUpper, isDigit)
import Data.List (nub)
import Data.Maybe (fromMaybe)
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.ByteString as B

import Exomonad.Guest.Json

-- | An agent id (also a form id): 1-64 bytes of ASCII letters, digits, @-@, @_@, @.@,
-- starting with a letter or digit, without @..@.
validAgentId :: Text -> Bool
validAgentId s =
  not (T.null s)
    && B.length (TE.encodeUtf8 s) <= 64
    && isAlnum (T.head s)
    && T.all (\c -> isAlnum c || c `elem` ("-_." :: String)) s
    && not (".." `T.isInfixOf` s)
  where
    isAlnum c = isAsciiLower c || isAsciiUpper c || isDigit c

data Kind = KPlain | KChoice [Text] (Maybe Text) | KMulti [Text] [Text] | KNumber (Maybe Double) (Maybe Double) (Maybe Double) (Maybe Double)

data Field = Field { fName :: Text, _fKind :: Kind }

data Next = NSubmit | NStep Text | NByChoice Text [(Text, Text)]

data Step = Step { sName :: Text, sFields :: [Field], sNext :: Next }

-- | Checks the @form@ of an @ask_human@ request: 'Left' a message (a shape error prefixed by
-- the caller, or the first validation problem).
validateRequest :: Value -> Either (Bool, Text) ()
validateRequest v = do
  (fid, title, fields, steps) <- either (Left . (,) True) Right (parseForm v)
  either (Left . (,) False) Right (validate fid title fields steps)

parseForm :: Value -> Either Text (Text, Text, [Field], [Step])
parseForm (Object o) = do
  fid <- reqField o "id" textV
  title <- reqField o "title" textV
  _ <- optField o "body" textV
  aid <- reqField o "agent_id" textV
  unless (validAgentId aid) $ Left ("invalid agent id " <> T.pack (show aid))
  fields <- fromMaybe [] <$> optField o "fields" (listV field)
  steps <- fromMaybe [] <$> optField o "steps" (listV step)
  pure (fid, title, fields, steps)
parseForm v = Left ("invalid type: " <> kindOf v <> ", expected struct FormRequest")

field :: Text -> Value -> Either Text Field
field _ (Object o) = do
  name <- reqField o "name" textV
  _ <- reqField o "label" textV
  _ <- optField o "required" boolV
  kind <- reqField o "kind" textV
  let strs = listV textV
  k <- case kind of
    "text" -> KPlain <$ optField o "default" textV
    "multiline" -> KPlain <$ optField o "default" textV
    "checkbox" -> KPlain <$ optField o "default" boolV
    "choice" -> KChoice <$> reqField o "options" strs <*> optField o "default" textV
    "multi_select" -> KMulti <$> reqField o "options" strs <*> (fromMaybe [] <$> optField o "default" strs)
    "number" -> KNumber <$> optField o "min" numV <*> optField o "max" numV <*> optField o "step" numV <*> optField o "default" numV
    other -> Left ("unknown variant `" <> other <> "`")
  pure (Field name k)
field k v = Left ("invalid type: " <> kindOf v <> ", expected struct Field (" <> k <> ")")

step :: Text -> Value -> Either Text Step
step _ (Object o) = do
  name <- reqField o "name" textV
  _ <- optField o "title" textV
  fs <- reqField o "fields" (listV field)
  nxt <- fromMaybe NSubmit <$> optField o "next" next
  pure (Step name fs nxt)
step k v = Left ("invalid type: " <> kindOf v <> ", expected struct Step (" <> k <> ")")

next :: Text -> Value -> Either Text Next
next _ (Object o) = do
  kind <- reqField o "kind" textV
  case kind of
    "submit" -> pure NSubmit
    "step" -> NStep <$> reqField o "step" textV
    "by_choice" -> do
      f <- reqField o "field" textV
      cases <- reqField o "cases" $ \k v -> case v of
        Object c -> traverse (\(ck, cv) -> (,) (K.toText ck) <$> textV k cv) (KM.toList c)
        _ -> Left ("invalid type: " <> kindOf v <> ", expected a map")
      pure (NByChoice f cases)
    other -> Left ("unknown variant `" <> other <> "`")
next _ v = Left ("invalid type: " <> kindOf v <> ", expected internally tagged enum Next")

q :: Text -> Text
q = T.pack . show . T.unpack

validate :: Text -> Text -> [Field] -> [Step] -> Either Text ()
validate fid title fields steps = do
  unless (validAgentId fid) $ Left ("form id " <> q fid <> " must be 1-64 ASCII letters, digits, '-', '_' or '.'")
  when (T.null (T.strip title)) $ Left ("form " <> q fid <> " has an empty title")
  when (null fields == null steps) $ Left ("form " <> q fid <> " must have either `fields` or `steps` (not both, not neither)")
  let allFields = fields ++ concatMap sFields steps
  checkFields [] allFields
  let names = map sName steps
  when (length (nub names) /= length names) $
    Left ("step " <> q (head [n | n <- names, length (filter (== n) names) > 1]) <> ": appears twice")
  forM_ steps $ \s -> do
    when (T.null (sName s)) $ Left ("step \"\": a step needs a name")
    let exists n = unless (n `elem` names) $ Left ("step " <> q (sName s) <> ": next step " <> q n <> " does not exist")
    case sNext s of
      NSubmit -> pure ()
      NStep n -> exists n
      NByChoice f cases -> do
        let opts = [os | Field n (KChoice os _) <- sFields s, n == f]
        case opts of
          (os : _) -> forM_ cases $ \(val, n) -> do
            unless (val `elem` os) $ Left ("step " <> q (sName s) <> ": case " <> q val <> " is not an option of " <> q f)
            exists n
          [] -> Left ("step " <> q (sName s) <> ": `next` reads " <> q f <> ", which is not a choice field of this step")
  where
    checkFields _ [] = pure ()
    checkFields seen (f : fs) = do
      when (fName f `elem` seen) $ Left ("field " <> q (fName f) <> " appears twice")
      checkField f
      checkFields (fName f : seen) fs

checkField :: Field -> Either Text ()
checkField (Field name kind) = do
  let nameOk = not (T.null name) && T.length name <= 64 && T.all (\c -> isAsciiLower c || isAsciiUpper c || isDigit c || c == '_' || c == '-') name
  unless nameOk $ Left ("field " <> q name <> ": a name must be ASCII letters, digits, '_' or '-'")
  let err p = Left ("field " <> q name <> ": " <> p)
      options os = do
        when (null os) $ err "needs at least one option"
        when (length (nub os) /= length os) $ err "lists an option twice"
      notAnOption d = err ("default " <> q d <> " is not one of the options")
  case kind of
    KPlain -> pure ()
    KChoice os d -> do
      options os
      forM_ d $ \x -> unless (x `elem` os) (notAnOption x)
    KMulti os ds -> do
      options os
      forM_ (take 1 (filter (`notElem` os) ds)) notAnOption
    KNumber lo hi st d -> do
      when (any (\x -> isNaN x || isInfinite x) (concatMap (maybe [] pure) [lo, hi, st, d])) $ err "numbers must be finite"
      case (lo, hi) of
        (Just a, Just b) | a > b -> err "min is greater than max"
        _ -> pure ()
      when (maybe False (<= 0) st) $ err "step must be positive"
      forM_ d $ \x -> when (maybe False (x <) lo || maybe False (x >) hi) $
        err ("default " <> T.pack (show x) <> " is outside min..=max")
