{-# LANGUAGE OverloadedStrings #-}
-- | The MCP tools, over the 'MonadHost' effect class: their list (names, descriptions, JSON
-- Schemas of the arguments) and what each call does. A port of the Rust guest's @tools.rs@.
--
-- Contract (@shared-protocol/src/tools.rs@): a tool that fails (bad arguments, a host
-- function's error, a reply of the wrong shape, no GitHub remote, a rejected form) is an @ok@
-- result with @is_error: true@ whose text says what went wrong; only a tool name the caller's
-- role does not have is an error ('NotFound'), which the host turns into JSON-RPC @-32602@.
--
-- Arguments are read strictly ('Exomonad.Guest.Serde'): an unknown key is refused, naming it,
-- so a typo never silently changes what a tool does; an error says where the bad value is
-- ('readShapePath'), and the bounds of the tool's own schema are checked ('checkBounds').
-- Host replies are read as their types and written back, as the Rust guest does.
module Exomonad.Guest.Tools
  ( ToolsContext (..)
  , ToolCall (..)
  , parseToolsContext
  , parseToolCall
  , listTools
  , callTool
  , fromRemoteUrl
  , gitLogDefault
  , gitLogMax
  ) where

import Data.Aeson (Value (..), object, (.=))
import Data.Aeson.Types (Pair)
import qualified Data.Aeson.Key as K
import qualified Data.Aeson.KeyMap as KM
import qualified Data.ByteString as B
import Data.Char (isAsciiLower, isAsciiUpper, isDigit)
import Data.Int (Int64)
import Data.List (sortOn)
import Data.Maybe (fromMaybe)
import qualified Data.Scientific as Sci
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Vector as V

import Exomonad.Guest.Effect
import Exomonad.Guest.Form (validateRequest)
import Exomonad.Guest.Policy (Role (..))
import Exomonad.Guest.Schema
import Exomonad.Guest.Serde

-- | Input of @mcp_list_tools@.
data ToolsContext = ToolsContext { tcAgentId :: Text, tcRole :: Role }

-- | Input of @mcp_call_tool@.
data ToolCall = ToolCall
  { callAgentId :: Text
  , callRole :: Role
  , callName :: Text
  , callArguments :: Value
    -- ^ @null@ when the client sent none
  , callId :: Text
    -- ^ empty when the host gave none
  }

-- | Commits @git_log@ returns when @limit@ is left out.
gitLogDefault :: Integer
gitLogDefault = 20

-- | Most commits @git_log@ returns (the host caps at the same number).
gitLogMax :: Integer
gitLogMax = 100

roleShape :: Shape
roleShape = SUnitEnum "Role" ["lead", "worker"]

roleOf :: Value -> Role
roleOf (String "lead") = Lead
roleOf _ = Worker

-- | Reads a @ToolsContext@; 'Left' is the detail of what is wrong.
parseToolsContext :: Value -> Either Text ToolsContext
parseToolsContext v = do
  o <- readShape (struct "ToolsContext" False [field "agent_id" SAgentId, field "role" roleShape]) v
  pure (ToolsContext (textAt o "agent_id") (roleOf (at o "role")))

-- | Reads a @ToolCall@; 'Left' is the detail of what is wrong.
parseToolCall :: Value -> Either Text ToolCall
parseToolCall v = do
  o <- readShape
    ( struct "ToolCall" False
        [ field "agent_id" SAgentId
        , field "role" roleShape
        , field "name" SString
        , defaulted "arguments" SAny Null Never
        , defaulted "call_id" SString (String "") Never
        ]
    )
    v
  pure (ToolCall (textAt o "agent_id") (roleOf (at o "role")) (textAt o "name") (at o "arguments") (textAt o "call_id"))

-- * The tools

-- | One tool: name, description, argument schema, who may use it.
data Tool = Tool
  { toolName :: Text
  , toolDescription :: Text
  , toolSchema :: Value
  , toolLeadOnly :: Bool
  }

-- | Every tool, in @tools/list@ order.
tools :: [Tool]
tools =
  [ Tool "git_branch" "The checked-out branch and HEAD commit of a working tree in the project." pathSchema False
  , Tool "git_status" "Uncommitted changes (modified, staged, deleted, untracked files) of a working tree in the project." pathSchema False
  , Tool "git_log" "The newest commits of a working tree in the project: hash, summary, author, time." gitLogSchema False
  , Tool "read_file" "The start of a UTF-8 text file inside the project directory (up to 1 MiB, or `max_lines` lines)." readFileSchema False
  , Tool "github_list_issues" "A GitHub repository's issues (pull requests left out), newest first." listIssuesSchema False
  , Tool "github_get_issue" "One GitHub issue: title, body, labels, assignees, state." getIssueSchema False
  , Tool "github_list_prs" "A GitHub repository's pull requests, newest first." listPrsSchema False
  , Tool "spawn_agents" "Start one worker agent per GitHub issue, each in its own git worktree (branch gh-<number>/<slug>) and Zellij tab, with the issue as its first prompt. An issue whose worker is still running gets its tab focused; a dead worker is resumed." spawnSchema True
  , Tool "cleanup_agents" "End workers: close their tabs and remove their worktrees. Refuses, per issue, a worktree with uncommitted changes or commits that exist nowhere else, unless `force`." cleanupSchema True
  , Tool "list_agents" "Every worker: issue, branch, worktree, whether its tab is open, its dashboard state, uncommitted files, commits ahead of the base, and its pull request." noArgsSchema True
  , Tool "ask_human" "Ask the person a question with a form in the exomonad dashboard and wait for the answer (submitted values, cancelled, or timed out)." askHumanSchema False
  ]

visible :: Role -> Tool -> Bool
visible role t = not (toolLeadOnly t) || role == Lead

-- | The @ToolList@ an agent of this role sees (workers do not spawn or end workers).
listTools :: ToolsContext -> Value
listTools ctx =
  object
    [ "tools" .=
        [ object ["name" .= toolName t, "description" .= toolDescription t, "input_schema" .= toolSchema t]
        | t <- tools
        , visible (tcRole ctx) t
        ]
    ]

-- | Runs one @tools/call@: the @ToolResult@, or 'NotFound' when no tool of that name is
-- visible to the caller's role.
callTool :: MonadHost m => ToolCall -> m (Either AbiError Value)
callTool call = case filter (\t -> toolName t == callName call && visible (callRole call) t) tools of
  [] -> pure (Left (AbiError NotFound ("unknown tool: " <> rustDebug (callName call))))
  (t : _) -> Right . either id id <$> runRun (run call (toolName t))

-- | A tool's run: 'Left' ends it early with a result (a tool error).
newtype Run m a = Run { runRun :: m (Either Value a) }

instance Monad m => Functor (Run m) where
  fmap f (Run m) = Run (fmap (fmap f) m)

instance Monad m => Applicative (Run m) where
  pure = Run . pure . Right
  Run f <*> Run a = Run $ f >>= either (pure . Left) (\g -> fmap g <$> a)

instance Monad m => Monad (Run m) where
  Run m >>= k = Run $ m >>= either (pure . Left) (runRun . k)

-- | Ends the tool with a tool error saying @message@.
failWith :: Monad m => Text -> Run m a
failWith = Run . pure . Left . errorResult

liftEither :: Monad m => Either Text a -> Run m a
liftEither = either failWith pure

-- | Calls a host function and reads its reply as @shape@; its error (already written for
-- people) or a reply of another shape is a tool error.
host :: MonadHost m => Text -> Shape -> Value -> Run m Value
host name shape req = Run $ do
  r <- callHost name req
  pure $ case r of
    Left e -> Left (errorResult (errMessage e))
    Right v -> either (Left . errorResult . (("host function " <> name <> " answered an unexpected shape: ") <>)) Right (readShape shape v)

-- | Reads the call's arguments (@null@ counts as @{}@) as @shape@, saying where a bad value
-- is ('readShapePath'), then checks them against the bounds of the tool's own schema
-- ('checkBounds').
args :: Monad m => ToolCall -> Shape -> Run m Value
args call shape =
  let v = case callArguments call of
        Null -> Object KM.empty
        a -> a
      schema = case [toolSchema t | t <- tools, toolName t == callName call] of
        (s : _) -> s
        [] -> Null
   in liftEither (either (Left . (("invalid arguments for " <> callName call <> ": ") <>)) Right (readShapePath shape v <* checkBounds schema v))

-- | The bounds a schema declares that reading by shape does not check: @minimum@ and
-- @maximum@ of a number, @minItems@ of an array, for the top-level properties in name order
-- (the first one out of bounds is the error). Words as the Rust guest's @check_bounds@.
checkBounds :: Value -> Value -> Either Text ()
checkBounds schema given = case (at schema "properties", given) of
  (Object props, Object _) -> mapM_ one (sortOn (T.unpack . K.toText . fst) (KM.toList props))
  _ -> Right ()
  where
    one (k, bounds) =
      let name = K.toText k
       in case at given name of
            Number n -> do
              case at bounds "minimum" of
                Number m | n < m -> Left (name <> ": " <> showNumber n <> " is below the minimum, " <> showNumber m)
                _ -> Right ()
              case at bounds "maximum" of
                Number m | n > m -> Left (name <> ": " <> showNumber n <> " is above the maximum, " <> showNumber m)
                _ -> Right ()
            Array xs -> case at bounds "minItems" of
              Number m | fromIntegral (V.length xs) < m ->
                Left (name <> ": at least " <> showNumber m <> " needed, " <> T.pack (show (V.length xs)) <> " given")
              _ -> Right ()
            _ -> Right ()
    showNumber n = maybe (T.pack (show n)) (T.pack . show) (Sci.toBoundedInteger n :: Maybe Int64)

run :: MonadHost m => ToolCall -> Text -> Run m Value
run call name = case name of
  "git_branch" -> do
    a <- args call pathArgs
    jsonResult <$> host "git_get_branch" gitBranchShape (request [opt "path" (at a "path")])
  "git_status" -> do
    a <- args call pathArgs
    r <- host "git_get_dirty_files" dirtyFilesShape (request [opt "path" (at a "path")])
    let files = at r "files"
    pure (jsonResult (object ["clean" .= (files == Array V.empty), "files" .= files]))
  "git_log" -> do
    a <- args call gitLogArgs
    let limit = fromMaybe gitLogDefault (intAt a "limit")
    jsonResult <$> host "git_get_recent_commits" recentCommitsShape (request [opt "path" (at a "path"), Just ("limit" .= limit)])
  "read_file" -> do
    a <- args call readFileArgs
    file <- host "fs_read_file" fileTextShape (request [Just ("path" .= at a "path"), opt "max_lines" (at a "max_lines")])
    pure (fileResult file)
  "github_list_issues" -> do
    a <- args call listIssuesArgs
    (o, r) <- repoOf (at a "owner") (at a "repo")
    jsonResult <$> host "github_list_issues" issueListShape
      ( request
          [ Just ("owner" .= o), Just ("repo" .= r)
          , Just ("state" .= orDefault (String "open") (at a "state"))
          , Just ("labels" .= orDefault (Array V.empty) (at a "labels"))
          , opt "limit" (at a "limit")
          ]
      )
  "github_get_issue" -> do
    a <- args call getIssueArgs
    (o, r) <- repoOf (at a "owner") (at a "repo")
    jsonResult <$> host "github_get_issue" issueShape (request [Just ("owner" .= o), Just ("repo" .= r), Just ("number" .= at a "number")])
  "github_list_prs" -> do
    a <- args call listPrsArgs
    (o, r) <- repoOf (at a "owner") (at a "repo")
    jsonResult <$> host "github_list_prs" pullListShape
      ( request
          [ Just ("owner" .= o), Just ("repo" .= r)
          , Just ("state" .= orDefault (String "open") (at a "state"))
          , opt "limit" (at a "limit")
          ]
      )
  "spawn_agents" -> do
    a <- args call spawnArgs
    (o, r) <- repoOf (at a "owner") (at a "repo")
    jsonResult <$> host "agents_spawn" spawnReportShape
      ( request
          [ Just ("issues" .= at a "issues"), Just ("owner" .= o), Just ("repo" .= r)
          , opt "worktree_dir" (at a "worktree_dir"), opt "agent" (at a "agent")
          ]
      )
  "cleanup_agents" -> do
    a <- args call cleanupArgs
    jsonResult <$> host "agents_cleanup" cleanupReportShape
      (request [Just ("issues" .= at a "issues"), Just ("force" .= orDefault (Bool False) (at a "force"))])
  "list_agents" -> do
    _ <- args call (struct "NoArgs" True [])
    jsonResult <$> host "agents_list" agentListShape (object [])
  "ask_human" -> args call askHumanArgs >>= askHuman call
  other -> failWith (other <> " has no implementation")

-- | @ask_human@: the form (id: the call id) goes to the person through @ui_popup@; submitted,
-- cancelled and timed-out answers are results, a rejected form (invalid, no dashboard) and an
-- invalid form (never shown) are tool errors.
askHuman :: MonadHost m => ToolCall -> Value -> Run m Value
askHuman call a = do
  let formId = if T.null (callId call) then callAgentId call <> "-ask" else callId call
      form =
        request
          [ Just ("id" .= formId)
          , Just ("title" .= at a "title")
          , opt "body" (at a "body")
          , Just ("agent_id" .= callAgentId call)
          , nonEmpty "fields" (at a "fields")
          , nonEmpty "steps" (at a "steps")
          ]
  case validateRequest form of
    Left (_, e) -> failWith ("ask_human: the form makes no sense: " <> e)
    Right () -> pure ()
  reply <- host "ui_popup" formReplyShape (request [Just ("form" .= form), opt "timeout_secs" (at a "timeout_secs")])
  case at reply "status" of
    String "rejected" -> failWith ("ask_human: the form did not reach the person: " <> textAt reply "error")
    _ -> pure (jsonResult reply)
  where
    nonEmpty k v = case v of
      Array xs | V.null xs -> Nothing
      _ -> Just (k .= v)

-- | @owner@/@repo@ as given, the missing parts from the project's @origin@ remote.
repoOf :: MonadHost m => Value -> Value -> Run m (Text, Text)
repoOf owner repo = case (owner, repo) of
  (String o, String r) -> pure (o, r)
  _ -> do
    remote <- host "git_get_remote_url" gitRemoteShape (object [])
    let url = case at remote "url" of
          String u -> Just u
          _ -> Nothing
    case url >>= fromRemoteUrl of
      Just (o, r) -> pure (given o owner, given r repo)
      Nothing -> failWith $ case url of
        Just u -> "give `owner` and `repo`: the project's remote `origin` (" <> u <> ") is not a GitHub repository URL"
        Nothing -> "give `owner` and `repo`: the project has no remote `origin` to take them from"
  where
    given _ (String s) = s
    given d _ = d

-- | @owner/repo@ out of a git remote URL (@RepoRef::from_remote_url@): @https://host/o/r(.git)@,
-- @http://@, @ssh://[user@]host[:port]/o/r@, @git://@, @git+ssh://@, scp-like @user\@host:o/r@;
-- any host, a trailing @/@ allowed. 'Nothing' for a local path, @file://@, a bare name.
fromRemoteUrl :: Text -> Maybe (Text, Text)
fromRemoteUrl raw = do
  let url = T.strip raw
  path <- case T.breakOn "://" url of
    (scheme, rest)
      | not (T.null rest) -> do
          if scheme `elem` ["https", "http", "ssh", "git", "git+ssh"] then Just () else Nothing
          let afterScheme = T.drop 3 rest
              (_, p) = T.breakOn "/" afterScheme
          if T.null p then Nothing else Just (T.drop 1 p)
      | otherwise -> do
          let (hostPart, p) = T.breakOn ":" url
          if T.null p then Nothing else Just ()
          if B.length (TE.encodeUtf8 hostPart) < 2 || "/" `T.isInfixOf` hostPart then Nothing else Just (T.drop 1 p)
  let trimmed = T.dropWhileEnd (== '/') path
      noGit = fromMaybe trimmed (T.stripSuffix ".git" trimmed)
      parts = reverse (T.splitOn "/" noGit)
  case parts of
    (r : o : _) | ok o && ok r -> Just (o, r)
    _ -> Nothing
  where
    ok s =
      not (T.null s) && s /= "." && s /= ".."
        && T.all (\c -> isAsciiLower c || isAsciiUpper c || isDigit c || c `elem` ("-_." :: String)) s

-- * Results

-- | A successful result: the value pretty-printed as the text, and as structured content.
jsonResult :: Value -> Value
jsonResult v = object ["content" .= [textBlock (prettyJson v)], "structured_content" .= v, "is_error" .= False]

-- | A failed tool call with one text block saying why.
errorResult :: Text -> Value
errorResult message = object ["content" .= [textBlock message], "is_error" .= True]

textBlock :: Text -> Value
textBlock t = object ["type" .= ("text" :: Text), "text" .= t]

-- | @read_file@'s result: the text itself for the model (plus a note when cut), the
-- @FileText@ as structured content.
fileResult :: Value -> Value
fileResult file =
  let note
        | at file "truncated" == Bool True =
            "\n[truncated: " <> num (at file "lines") <> " lines shown of " <> textAt file "path"
              <> " (" <> num (at file "size") <> " bytes); ask for more with max_lines]"
        | otherwise = ""
      num v = maybe "?" (T.pack . show) (intOf v)
   in object ["content" .= [textBlock (textAt file "text" <> note)], "structured_content" .= file, "is_error" .= False]

-- * Reading normalized values (every field is present: 'readShape' filled them in)

at :: Value -> Text -> Value
at (Object o) k = fromMaybe Null (KM.lookup (K.fromText k) o)
at _ _ = Null

textAt :: Value -> Text -> Text
textAt o k = case at o k of
  String s -> s
  _ -> ""

intOf :: Value -> Maybe Integer
intOf (Number n) = either (const Nothing) Just (Sci.floatingOrInteger n :: Either Double Integer)
intOf _ = Nothing

intAt :: Value -> Text -> Maybe Integer
intAt o k = intOf (at o k)

orDefault :: Value -> Value -> Value
orDefault d Null = d
orDefault _ v = v

-- | An optional request key: left out when @null@ (@skip_serializing_if = "Option::is_none"@).
opt :: Text -> Value -> Maybe Pair
opt _ Null = Nothing
opt k v = Just (K.fromText k .= v)

request :: [Maybe Pair] -> Value
request ps = object [p | Just p <- ps]

-- * Argument types (all @deny_unknown_fields@)

o' :: Text -> Shape -> FieldS
o' n s = optional n s Never

ownerRepo :: [FieldS]
ownerRepo = [o' "owner" SString, o' "repo" SString]

stateFilter, agentKind :: Shape
stateFilter = SUnitEnum "StateFilter" ["open", "closed", "all"]
agentKind = SUnitEnum "AgentKind" ["claude", "gemini"]

pathArgs, gitLogArgs, readFileArgs, listIssuesArgs, getIssueArgs, listPrsArgs, spawnArgs, cleanupArgs, askHumanArgs :: Shape
pathArgs = struct "PathArgs" True [o' "path" SString]
gitLogArgs = struct "GitLogArgs" True [o' "path" SString, o' "limit" SU32]
readFileArgs = struct "ReadFileArgs" True [field "path" SString, o' "max_lines" SU32]
listIssuesArgs = struct "ListIssuesArgs" True (ownerRepo ++ [o' "state" stateFilter, o' "labels" (SList SString), o' "limit" SU32])
getIssueArgs = struct "GetIssueArgs" True (ownerRepo ++ [field "number" SU64])
listPrsArgs = struct "ListPrsArgs" True (ownerRepo ++ [o' "state" stateFilter, o' "limit" SU32])
spawnArgs = struct "SpawnArgs" True ([field "issues" (SList SU64)] ++ ownerRepo ++ [o' "worktree_dir" SString, o' "agent" agentKind])
cleanupArgs = struct "CleanupArgs" True [field "issues" (SList SU64), o' "force" SBool]
askHumanArgs =
  struct "AskHumanArgs" True
    [ field "title" SString
    , o' "body" SString
    , defaulted "fields" (SList formField) (Array V.empty) Never
    , defaulted "steps" (SList formStep) (Array V.empty) Never
    , o' "timeout_secs" SU64
    ]

-- * The form types, as @exomonad_protocol::form@ reads and writes them

tagged :: Text -> Text -> [(Text, [FieldS])] -> Shape
tagged name key variants = SObj (Obj ("internally tagged enum " <> name) False [] (Just (Tagged key variants)))

formField :: Shape
formField =
  SObj $
    Obj "struct Field" False
      [field "name" SString, field "label" SString, defaulted "required" SBool (Bool False) SkipFalse]
      ( Just $ Tagged "kind"
          [ ("text", [optional "default" SString SkipNull])
          , ("multiline", [optional "default" SString SkipNull])
          , ("choice", [field "options" (SList SString), optional "default" SString SkipNull])
          , ("multi_select", [field "options" (SList SString), defaulted "default" (SList SString) (Array V.empty) SkipEmpty])
          , ("checkbox", [defaulted "default" SBool (Bool False) Never])
          , ("number", [optional k SF64 SkipNull | k <- ["min", "max", "step", "default"]])
          ]
      )

formStep :: Shape
formStep =
  struct "Step" False
    [ field "name" SString
    , optional "title" SString SkipNull
    , field "fields" (SList formField)
    , defaulted "next" formNext (object ["kind" .= ("submit" :: Text)]) Never
    ]

formNext :: Shape
formNext =
  tagged "Next" "kind"
    [ ("submit", [])
    , ("step", [field "step" SString])
    , ("by_choice", [field "field" SString, field "cases" (SMap SString)])
    ]

formReplyShape :: Shape
formReplyShape =
  tagged "FormReply" "status"
    [ ("submitted", [field "id" SString, field "values" (SMap SFieldValue), defaulted "steps" (SList SString) (Array V.empty) SkipEmpty])
    , ("cancelled", [field "id" SString])
    , ("timed_out", [field "id" SString])
    , ("rejected", [optional "id" SString SkipNull, field "error" SString])
    ]

-- * Host replies

n' :: Text -> Shape -> FieldS
n' n s = optional n s Never

strs :: [Text] -> [FieldS]
strs = map (`field` SString)

gitBranchShape, dirtyFilesShape, recentCommitsShape, gitRemoteShape, fileTextShape :: Shape
gitBranchShape = struct "GitBranch" False [n' "branch" SString, n' "head" SString]
dirtyFilesShape = struct "DirtyFiles" False [field "files" (SList (struct "DirtyFile" False (strs ["path", "status"])))]
recentCommitsShape = struct "RecentCommits" False [field "commits" (SList (struct "Commit" False (strs ["hash", "summary", "author", "time"])))]
gitRemoteShape = struct "GitRemote" False [n' "url" SString]
fileTextShape =
  struct "FileText" False
    [field "path" SString, field "text" SString, field "lines" SU32, field "truncated" SBool, field "size" SU64]

issueShape, issueListShape, pullShape, pullListShape :: Shape
issueShape =
  struct "Issue" False
    ( [field "number" SU64] ++ strs ["title", "body", "state"]
        ++ [field "labels" (SList SString), field "assignees" (SList SString)] ++ strs ["author", "url"]
    )
issueListShape = struct "IssueList" False [field "issues" (SList issueShape)]
pullShape =
  struct "PullRequest" False
    ([field "number" SU64] ++ strs ["title", "state"] ++ [field "merged" SBool, field "draft" SBool] ++ strs ["head", "base", "author", "url"])
pullListShape = struct "PullList" False [field "pull_requests" (SList pullShape)]

workerRef :: [FieldS]
workerRef = [field "issue" SU64, field "agent_id" SAgentId, field "branch" SString, field "worktree" SString, n' "tab_id" SU64]

spawnReportShape, cleanupReportShape, agentListShape :: Shape
spawnReportShape =
  struct "SpawnReport" False
    [ field "results" . SList $
        tagged "SpawnOutcome" "status"
          [ ("spawned", workerRef ++ [field "reused_worktree" SBool])
          , ("resumed", workerRef ++ [n' "session_id" SString])
          , ("focused", workerRef)
          , ("failed", [field "issue" SU64, field "error" SString])
          ]
    ]
cleanupReportShape =
  struct "CleanupReport" False
    [ field "results" . SList $
        tagged "CleanupOutcome" "status"
          [ ("removed", [field "issue" SU64, field "agent_id" SAgentId])
          , ("refused", [field "issue" SU64, field "agent_id" SAgentId, field "reasons" (SList SString)])
          , ("not_found", [field "issue" SU64])
          , ("failed", [field "issue" SU64, field "error" SString])
          ]
    ]
agentListShape =
  struct "AgentList" False
    [ field "agents" . SList . struct "WorkerStatus" False $
        workerRef
          ++ [ field "tab_open" SBool
             , n' "dashboard_state" SString
             , n' "dirty_files" SU32
             , n' "commits_ahead" SU32
             , n' "pull_request" pullShape
             ]
    ]
