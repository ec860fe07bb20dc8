{-# LANGUAGE OverloadedStrings #-}
-- | The effect interface: everything the core may ask of the host, as a tagless-final class.
--
-- One primitive, 'callHost', calls a host function of the guest ABI by name with a request
-- JSON value and gives back the reply envelope already taken apart. The typed helpers below
-- ('logMsg', 'gitGetDirtyFiles', 'uiPopup') are what the policy uses. Interpreters: the
-- Extism one in @wasm/Main.hs@ (real host functions) and the scripted one of the native
-- conformance runner (@test/Conformance.hs@).
module Exomonad.Guest.Effect
  ( MonadHost (..)
  , AbiError (..)
  , ErrorCode (..)
  , errorCodeText
  , errorCodeDebug
  , showAbiError
  , decodeEnvelope
  , logMsg
  , gitGetDirtyFiles
  , uiPopup
  ) where

import Data.Aeson (Value (..), object, (.=))
import qualified Data.Aeson.KeyMap as KM
import Data.Text (Text)
import qualified Data.Vector as V

-- | The error kinds of the ABI, @snake_case@ on the wire.
data ErrorCode = BadInput | HostFunction | NotFound | Unsupported | Internal
  deriving (Eq, Show)

-- | An error crossing the ABI: a code and a message for people.
data AbiError = AbiError { errCode :: ErrorCode, errMessage :: Text }
  deriving (Eq, Show)

-- | The wire spelling of a code.
errorCodeText :: ErrorCode -> Text
errorCodeText c = case c of
  BadInput -> "bad_input"
  HostFunction -> "host_function"
  NotFound -> "not_found"
  Unsupported -> "unsupported"
  Internal -> "internal"

-- | The spelling of a code in messages (as the Rust guest writes it).
errorCodeDebug :: ErrorCode -> Text
errorCodeDebug c = case c of
  BadInput -> "BadInput"
  HostFunction -> "HostFunction"
  NotFound -> "NotFound"
  Unsupported -> "Unsupported"
  Internal -> "Internal"

-- | @Code: message@.
showAbiError :: AbiError -> Text
showAbiError (AbiError c m) = errorCodeDebug c <> ": " <> m

-- | The host, as the core sees it.
class Monad m => MonadHost m where
  -- | Calls the host function @name@ with @request@; the reply is its raw envelope
  -- value, or an error when the host could not be reached at all.
  callHostRaw :: Text -> Value -> m (Either AbiError Value)

  -- | Calls a host function and unwraps its envelope.
  callHost :: Text -> Value -> m (Either AbiError Value)
  callHost name req = do
    r <- callHostRaw name req
    pure (r >>= decodeEnvelope name)

-- | @{"ok":v}@ is @Right v@, @{"error":{"code","message"}}@ is @Left@; anything else is a
-- 'HostFunction' error naming the host function.
decodeEnvelope :: Text -> Value -> Either AbiError Value
decodeEnvelope name v = case v of
  Object o
    | Just ok <- KM.lookup "ok" o, KM.size o == 1 -> Right ok
    | Just (Object e) <- KM.lookup "error" o
    , Just (String c) <- KM.lookup "code" e
    , Just (String m) <- KM.lookup "message" e ->
        Left (AbiError (codeFrom c) m)
  _ -> Left (AbiError HostFunction ("host function " <> name <> " answered something that is not its envelope"))
  where
    codeFrom c = case c of
      "bad_input" -> BadInput
      "host_function" -> HostFunction
      "not_found" -> NotFound
      "unsupported" -> Unsupported
      _ -> Internal

-- | @log@: one line at @level@ (@error@, @warn@, @info@, @debug@).
logMsg :: MonadHost m => Text -> Text -> m (Either AbiError ())
logMsg level message = fmap (const ()) <$> callHost "log" (object ["level" .= level, "message" .= message])

-- | @git_get_dirty_files@ of the project directory: the dirty paths, in git's order.
gitGetDirtyFiles :: MonadHost m => m (Either AbiError [Text])
gitGetDirtyFiles = do
  r <- callHost "git_get_dirty_files" (Object KM.empty)
  pure $ r >>= \v -> case v of
    Object o | Just (Array fs) <- KM.lookup "files" o -> traverse path (V.toList fs)
    _ -> Left bad
  where
    path (Object f) | Just (String p) <- KM.lookup "path" f = Right p
    path _ = Left bad
    bad = AbiError HostFunction "host function git_get_dirty_files answered something that is not DirtyFiles"

-- | @ui_popup@: asks the person; the reply is the @FormReply@ value.
uiPopup :: MonadHost m => Value -> m (Either AbiError Value)
uiPopup = callHost "ui_popup"
