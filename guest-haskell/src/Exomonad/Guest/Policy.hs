{-# LANGUAGE OverloadedStrings #-}
-- | The hook policy, over the 'MonadHost' effect class. A port of the Rust guest's
-- @policy.rs@:
--
-- * BeforeTool (Claude @PreToolUse@, Gemini @BeforeTool@): shell tools (Claude @Bash@, Gemini
--   @run_shell_command@) are denied when the command matches the deny-list; else proceed.
-- * TurnEnd / SubagentEnd (Claude @Stop@, @SubagentStop@, Gemini @AfterAgent@): a worker is
--   blocked while its worktree has uncommitted changes, unless @stop_hook_active@; a host
--   failure is logged and the worker may stop; the lead always may.
-- * anything else: proceed.
module Exomonad.Guest.Policy
  ( Runtime (..)
  , Role (..)
  , HookCall (..)
  , Decision (..)
  , decisionValue
  , parseHookCall
  , handleHook
  , uncommittedReason
  , maxListedFiles
  ) where

import Data.Aeson (Value (..), object, (.=))
import qualified Data.Aeson.KeyMap as KM
import Data.Text (Text)
import qualified Data.Text as T

import Exomonad.Guest.Deny (checkCommand, violationReason)
import Exomonad.Guest.Effect
import Exomonad.Guest.Form (validAgentId)
import Exomonad.Guest.Json

-- | The agent runtime that fired the hook.
data Runtime = Claude | Gemini deriving (Eq, Show)

-- | The agent's role.
data Role = Lead | Worker deriving (Eq, Show)

-- | Input of @handle_hook@.
data HookCall = HookCall
  { hcRuntime :: Runtime
  , hcEvent :: Text
  , hcRole :: Role
  , hcPayload :: Value
  }

-- | The decision.
data Decision = Proceed | Deny Text | Block Text deriving (Eq, Show)

-- | @{"verdict":...}@.
decisionValue :: Decision -> Value
decisionValue d = case d of
  Proceed -> object ["verdict" .= ("proceed" :: Text)]
  Deny r -> object ["verdict" .= ("deny" :: Text), "reason" .= r]
  Block r -> object ["verdict" .= ("block" :: Text), "reason" .= r]

runtimeName :: Runtime -> Text
runtimeName Claude = "claude"
runtimeName Gemini = "gemini"

-- | Reads a @HookCall@; 'Left' is the detail of what is wrong.
parseHookCall :: Value -> Either Text HookCall
parseHookCall (Object o) = do
  rt <- reqField o "runtime" $ \k v -> textV k v >>= \s -> case s of
    "claude" -> Right Claude
    "gemini" -> Right Gemini
    other -> Left ("unknown variant `" <> other <> "`, expected `claude` or `gemini`")
  ev <- reqField o "hook_event_name" textV
  aid <- reqField o "agent_id" textV
  if validAgentId aid then pure () else Left ("invalid agent id " <> T.pack (show aid))
  role <- reqField o "role" $ \k v -> textV k v >>= \s -> case s of
    "lead" -> Right Lead
    "worker" -> Right Worker
    other -> Left ("unknown variant `" <> other <> "`, expected `lead` or `worker`")
  payload <- reqField o "payload" anyV
  pure (HookCall rt ev role payload)
parseHookCall v = Left ("invalid type: " <> kindOf v <> ", expected struct HookCall")

data Phase = BeforeTool | TurnEnd | Other

phase :: Runtime -> Text -> Phase
phase rt ev = case (rt, ev) of
  (Claude, "PreToolUse") -> BeforeTool
  (Gemini, "BeforeTool") -> BeforeTool
  (Claude, "Stop") -> TurnEnd
  (Claude, "SubagentStop") -> TurnEnd
  (Gemini, "AfterAgent") -> TurnEnd
  _ -> Other

-- | The runtime-neutral fields the policy reads from a payload.
data Payload = Payload
  { pCwd :: Maybe Text
  , pToolName :: Maybe Text
  , pToolInput :: Maybe Value
  , pStopHookActive :: Bool
  }

parsePayload :: Runtime -> Value -> Either AbiError Payload
parsePayload rt v@(Object o) = either (Left . shapeError) Right $ do
  _ <- reqField o "session_id" textV
  _ <- reqField o "hook_event_name" textV
  mapM_ (\k -> optField o k textV) stringFields
  cwd <- optField o "cwd" textV
  tool <- optField o "tool_name" textV
  input <- optField o "tool_input" anyV
  active <- optField o "stop_hook_active" boolV
  let _ = v
  pure (Payload cwd tool input (active == Just True))
  where
    shapeError e = AbiError BadInput ("the " <> runtimeName rt <> " hook payload is malformed: " <> e)
    stringFields = case rt of
      Claude -> ["transcript_path", "permission_mode", "tool_use_id", "prompt", "last_assistant_message", "source", "reason", "message"]
      Gemini -> ["transcript_path", "timestamp", "prompt", "prompt_response", "source", "reason"]
parsePayload rt v =
  Left (AbiError BadInput ("the " <> runtimeName rt <> " hook payload must be a JSON object, got " <> kindOf v))

-- | Decides one hook call. 'Left' only for a payload that is not of the runtime's shape;
-- host failures are logged and the policy fails open.
handleHook :: MonadHost m => HookCall -> m (Either AbiError Decision)
handleHook call = case parsePayload (hcRuntime call) (hcPayload call) of
  Left e -> pure (Left e)
  Right p -> case phase (hcRuntime call) (hcEvent call) of
    BeforeTool -> pure (beforeTool call p)
    TurnEnd -> Right <$> turnEnd (hcRole call) p
    Other -> pure (Right Proceed)

beforeTool :: HookCall -> Payload -> Either AbiError Decision
beforeTool call p
  | pToolName p /= Just shell = Right Proceed
  | otherwise = case pToolInput p of
      Just (Object i) | Just (String cmd) <- KM.lookup "command" i ->
        Right (maybe Proceed (Deny . violationReason) (checkCommand cmd (pCwd p)))
      _ ->
        Left (AbiError BadInput ("the " <> runtimeName (hcRuntime call) <> " " <> hcEvent call <> " payload for tool " <> shell <> " has no string tool_input.command"))
  where
    shell = case hcRuntime call of
      Claude -> "Bash"
      Gemini -> "run_shell_command"

turnEnd :: MonadHost m => Role -> Payload -> m Decision
turnEnd role p
  | role /= Worker || pStopHookActive p = pure Proceed
  | otherwise = do
      r <- gitGetDirtyFiles
      case r of
        Right [] -> pure Proceed
        Right files -> pure (Block (uncommittedReason files))
        Left e -> do
          _ <- logMsg "warn" ("git_get_dirty_files failed (" <> showAbiError e <> "); letting the worker stop unchecked")
          pure Proceed

-- | At most this many dirty files are named; the rest are counted.
maxListedFiles :: Int
maxListedFiles = 10

-- | The instruction a worker gets when it tries to stop with uncommitted changes.
uncommittedReason :: [Text] -> Text
uncommittedReason files =
  let listed = T.intercalate ", " (take maxListedFiles files)
      more = length files - maxListedFiles
      suffix = if more > 0 then " and " <> T.pack (show more) <> " more" else ""
   in "Uncommitted changes in your worktree: " <> listed <> suffix
        <> ". Commit them (or remove what should not be kept) before stopping."
