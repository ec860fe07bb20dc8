{-# LANGUAGE OverloadedStrings #-}
-- | The exports at the byte level, over the 'MonadHost' effect class: UTF-8 JSON in, an
-- envelope's UTF-8 JSON out. Never fails: bad input is an @error@ envelope. The Extism entry
-- points (@wasm/Main.hs@) and the native conformance runner both call these.
module Exomonad.Guest.Core
  ( guestName
  , abiVersion
  , handleHookBytes
  , askHumanBytes
  , listToolsBytes
  , callToolBytes
  ) where

import Data.Aeson (Value (..), eitherDecodeStrict', object, (.=))
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import Data.Text (Text)
import qualified Data.Text as T

import Exomonad.Guest.Effect
import Exomonad.Guest.Form (validateRequest)
import Exomonad.Guest.Json
import Exomonad.Guest.Policy
import Exomonad.Guest.Tools (callTool, listTools, parseToolCall, parseToolsContext)

-- | The name @abi_version@ reports.
guestName :: Text
guestName = "exomonad-guest-haskell 0.1.0"

-- | The @abi_version@ export: @{"ok":{"abi_version":1,"name":...}}@.
abiVersion :: B.ByteString
abiVersion = okEnvelope (object ["abi_version" .= (1 :: Int), "name" .= guestName])

decode :: B.ByteString -> Either Text Value
decode bytes = either (Left . T.pack) Right (eitherDecodeStrict' bytes)

-- | The @handle_hook@ export.
handleHookBytes :: MonadHost m => B.ByteString -> m B.ByteString
handleHookBytes input = case decode input >>= parseHookCall of
  Left e -> pure (errEnvelope (AbiError BadInput ("handle_hook input is not a HookCall: " <> e)))
  Right call -> either errEnvelope (okEnvelope . decisionValue) <$> handleHook call

-- | The @ask_human@ export: checks the request and its form, then asks @ui_popup@ and passes
-- the reply (or the host's error) back. An invalid form is @bad_input@ without asking.
askHumanBytes :: MonadHost m => B.ByteString -> m B.ByteString
askHumanBytes input = case decode input >>= request of
  Left e -> pure (errEnvelope (AbiError BadInput ("ask_human input is not a UiPopupRequest: " <> e)))
  Right (req, form) -> case validateRequest form of
    Left (True, e) -> pure (errEnvelope (AbiError BadInput ("ask_human input is not a UiPopupRequest: " <> e)))
    Left (False, e) -> pure (errEnvelope (AbiError BadInput e))
    Right () -> do
      r <- uiPopup req
      pure $ case r >>= checkReply of
        Left e -> errEnvelope e
        Right reply -> okEnvelope reply
  where
    request v@(Object o) = do
      form <- reqField o "form" anyV
      _ <- optField o "timeout_secs" $ \_ t -> case t of
        Number _ -> Right ()
        _ -> Left ("invalid type: " <> kindOf t <> ", expected u64")
      pure (v, form)
    request v = Left ("invalid type: " <> kindOf v <> ", expected struct UiPopupRequest")
    checkReply v@(Object o)
      | Just (String s) <- KM.lookup "status" o
      , s `elem` ["submitted", "cancelled", "timed_out", "rejected"] = Right v
    checkReply _ = Left (AbiError HostFunction "host function ui_popup answered something that is not a FormReply")

-- | The @mcp_list_tools@ export: the tools an agent of the given role sees (MCP
-- @tools/list@). Input that is not a @ToolsContext@ is @bad_input@.
listToolsBytes :: B.ByteString -> B.ByteString
listToolsBytes input = case decode input >>= parseToolsContext of
  Left e -> errEnvelope (AbiError BadInput ("mcp_list_tools input is not a ToolsContext: " <> e))
  Right ctx -> okEnvelope (listTools ctx)

-- | The @mcp_call_tool@ export (MCP @tools/call@): a @ToolResult@ (a failing tool is one with
-- @is_error: true@), or @not_found@ for a tool the caller does not have, or @bad_input@ for
-- input that is not a @ToolCall@.
callToolBytes :: MonadHost m => B.ByteString -> m B.ByteString
callToolBytes input = case decode input >>= parseToolCall of
  Left e -> pure (errEnvelope (AbiError BadInput ("mcp_call_tool input is not a ToolCall: " <> e)))
  Right call -> either errEnvelope okEnvelope <$> callTool call
