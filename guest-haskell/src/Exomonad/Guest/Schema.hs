{-# LANGUAGE OverloadedStrings #-}
-- | The JSON Schemas (draft 2020-12) of the MCP tools' arguments, written by hand to match
-- what the Rust guest derives with @schemars@ from its argument types: @"type": "object"@,
-- each property with its type (@[T, "null"]@ for an optional one), @required@,
-- @additionalProperties: false@ (unknown arguments are refused), and @$defs@ for the enums
-- and the form types.
module Exomonad.Guest.Schema
  ( pathSchema
  , gitLogSchema
  , readFileSchema
  , listIssuesSchema
  , getIssueSchema
  , listPrsSchema
  , spawnSchema
  , cleanupSchema
  , noArgsSchema
  , askHumanSchema
  ) where

import Data.Aeson (Value (..), object, (.=))
import Data.Aeson.Types (Pair)
import Data.Text (Text)

-- | An argument object: its properties, the required ones, and the definitions they use.
schema :: [Pair] -> [Text] -> [Pair] -> Value
schema props required defs =
  object $
    [ "$schema" .= ("https://json-schema.org/draft/2020-12/schema" :: Text)
    , "additionalProperties" .= False
    , "type" .= ("object" :: Text)
    ]
      ++ ["properties" .= object props | not (null props)]
      ++ ["required" .= required | not (null required)]
      ++ ["$defs" .= object defs | not (null defs)]

str :: Text -> Value
str s = String s

-- | An optional property of a plain type.
nullable :: Text -> Text -> Value
nullable ty desc = object ["description" .= desc, "type" .= [ty, "null"]]

-- | An optional unsigned integer with bounds.
optInt :: Text -> Text -> Int -> Maybe Int -> Value
optInt fmt desc lo hi =
  object $
    ["description" .= desc, "format" .= fmt, "minimum" .= lo, "type" .= [str "integer", "null"]]
      ++ ["maximum" .= h | Just h <- [hi]]

-- | An optional reference to a definition.
optRef :: Text -> Text -> Value
optRef def desc =
  object
    [ "anyOf" .= [object ["$ref" .= ("#/$defs/" <> def)], object ["type" .= str "null"]]
    , "description" .= desc
    ]

-- | An enum of strings, each with its description.
constEnum :: Text -> [(Text, Text)] -> Value
constEnum desc variants =
  object
    [ "description" .= desc
    , "oneOf" .= [object ["const" .= c, "description" .= d, "type" .= str "string"] | (c, d) <- variants]
    ]

issueList :: Text -> Value
issueList desc =
  object
    [ "description" .= desc
    , "items" .= object ["format" .= str "uint64", "minimum" .= (0 :: Int), "type" .= str "integer"]
    , "minItems" .= (1 :: Int)
    , "type" .= str "array"
    ]

owner, repo :: Pair
owner = "owner" .= nullable "string" "Repository owner. Default: from the project's `origin` remote."
repo = "repo" .= nullable "string" "Repository name. Default: from the project's `origin` remote."

stateFilterDef :: Pair
stateFilterDef =
  "StateFilter"
    .= constEnum
      "Which issues or pull requests to list, by state (GitHub's `state` query parameter)."
      [ ("open", "Open only (GitHub's default).")
      , ("closed", "Closed only (for pull requests: closed or merged).")
      , ("all", "Both.")
      ]

stateProp :: Pair
stateProp = "state" .= optRef "StateFilter" "`open` (default), `closed` or `all`."

-- | @git_branch@, @git_status@.
pathSchema :: Value
pathSchema =
  schema
    ["path" .= nullable "string" "A directory inside the project (relative to it, or absolute inside it). Default: the project directory."]
    []
    []

-- | @git_log@.
gitLogSchema :: Value
gitLogSchema =
  schema
    [ "limit" .= optInt "uint32" "How many commits, newest first (1 to 100). Default 20." 1 (Just 100)
    , "path" .= nullable "string" "A directory inside the project. Default: the project directory."
    ]
    []
    []

-- | @read_file@.
readFileSchema :: Value
readFileSchema =
  schema
    [ "max_lines" .= optInt "uint32" "Return at most this many lines from the start. Default: up to 1 MiB of text." 1 Nothing
    , "path" .= object ["description" .= str "The file, relative to the project directory (or absolute inside it).", "type" .= str "string"]
    ]
    ["path"]
    []

-- | @github_list_issues@.
listIssuesSchema :: Value
listIssuesSchema =
  schema
    [ "labels" .= object
        [ "description" .= str "Only issues that carry every one of these labels."
        , "items" .= object ["type" .= str "string"]
        , "type" .= [str "array", "null"]
        ]
    , "limit" .= optInt "uint32" "At most this many issues (default 100, at most 500)." 1 (Just 500)
    , owner
    , repo
    , stateProp
    ]
    []
    [stateFilterDef]

-- | @github_get_issue@.
getIssueSchema :: Value
getIssueSchema =
  schema
    [ "number" .= object
        [ "description" .= str "The issue number."
        , "format" .= str "uint64"
        , "minimum" .= (1 :: Int)
        , "type" .= str "integer"
        ]
    , owner
    , repo
    ]
    ["number"]
    []

-- | @github_list_prs@.
listPrsSchema :: Value
listPrsSchema =
  schema
    [ "limit" .= optInt "uint32" "At most this many (default 30, at most 500)." 1 (Just 500)
    , owner
    , repo
    , stateProp
    ]
    []
    [stateFilterDef]

-- | @spawn_agents@.
spawnSchema :: Value
spawnSchema =
  schema
    [ "agent" .= optRef "AgentKind" "The agent runtime the workers run: `claude` (default) or `gemini`."
    , "issues" .= issueList "Issue numbers: one worker agent each, in its own git worktree and Zellij tab."
    , owner
    , repo
    , "worktree_dir" .= nullable "string" "Where the worktrees go (relative to the project or absolute). Default: `.exomonad/worktrees`, or the config's `worktree_dir`."
    ]
    ["issues"]
    [ "AgentKind"
        .= constEnum
          "Which agent runtime a worker runs."
          [ ("claude", "Claude Code (`claude`), settings passed with `--settings`.")
          , ("gemini", "Gemini CLI (`gemini`).")
          ]
    ]

-- | @cleanup_agents@.
cleanupSchema :: Value
cleanupSchema =
  schema
    [ "force" .= nullable "boolean" "Also remove worktrees with uncommitted changes or unpushed, unmerged commits (commits stay on the branch; uncommitted changes are lost). Default false."
    , "issues" .= issueList "Issue numbers of the workers to end."
    ]
    ["issues"]
    []

-- | @list_agents@: no arguments.
noArgsSchema :: Value
noArgsSchema = schema [] [] []

-- | @ask_human@: a form, with the form types as definitions.
askHumanSchema :: Value
askHumanSchema =
  schema
    [ "body" .= nullable "string" "Text shown under the title (line breaks kept)."
    , "fields" .= object
        [ "default" .= ([] :: [Value])
        , "description" .= str "The fields of a one-page form."
        , "items" .= ref "Field"
        , "type" .= str "array"
        ]
    , "steps" .= object
        [ "default" .= ([] :: [Value])
        , "description" .= str "The steps of a wizard (instead of `fields`)."
        , "items" .= ref "Step"
        , "type" .= str "array"
        ]
    , "timeout_secs" .= optInt "uint64" "Longest wait for the answer, in seconds. Default: the host's limit." 1 Nothing
    , "title" .= object ["description" .= str "One line shown above the form.", "type" .= str "string"]
    ]
    ["title"]
    ["Field" .= fieldDef, "Next" .= nextDef, "Step" .= stepDef]
  where
    ref d = object ["$ref" .= ("#/$defs/" <> d :: Text)]
    kindConst k = "kind" .= object ["const" .= (k :: Text), "type" .= str "string"]
    variant :: Text -> [Pair] -> [Text] -> Value
    variant desc props required =
      object
        [ "description" .= desc
        , "properties" .= object props
        , "required" .= required
        , "type" .= str "object"
        ]
    textDefault = "default" .= nullable "string" "Initial value."
    options = "options" .= object
      [ "description" .= str "The options' values, in order (at least one, no duplicates)."
      , "items" .= object ["type" .= str "string"]
      , "type" .= str "array"
      ]
    double desc = object ["description" .= (desc :: Text), "format" .= str "double", "type" .= [str "number", "null"]]
    fieldDef =
      object
        [ "description" .= str "One input of a form."
        , "oneOf" .=
            [ variant "One line of text." [textDefault, kindConst "text"] ["kind"]
            , variant "Several lines of text." [textDefault, kindConst "multiline"] ["kind"]
            , variant "One of N options."
                [ "default" .= nullable "string" "The initially selected option (must be one of them). Default: the first."
                , kindConst "choice"
                , options
                ]
                ["kind", "options"]
            , variant "Any number of N options."
                [ "default" .= object
                    [ "description" .= str "Initially selected options (each must be one of them)."
                    , "items" .= object ["type" .= str "string"]
                    , "type" .= str "array"
                    ]
                , kindConst "multi_select"
                , options
                ]
                ["kind", "options"]
            , variant "A yes/no box."
                [ "default" .= object ["default" .= False, "description" .= str "Initially checked.", "type" .= str "boolean"]
                , kindConst "checkbox"
                ]
                ["kind"]
            , variant "A number within bounds, changed by `step` with the arrow keys or typed."
                [ "default" .= double "Initial value, within `min..=max`."
                , kindConst "number"
                , "max" .= double "Largest allowed value."
                , "min" .= double "Smallest allowed value."
                , "step" .= double "Increment for the arrow keys; positive. Default 1."
                ]
                ["kind"]
            ]
        , "properties" .= object
            [ "label" .= object ["description" .= str "Shown next to the input.", "type" .= str "string"]
            , "name" .= object ["description" .= str "Key of the value in the reply; unique in the form; ASCII letters, digits, `_`, `-`.", "type" .= str "string"]
            , "required" .= object ["description" .= str "A submitted form always has a value for it (non-empty text, at least one selection).", "type" .= str "boolean"]
            ]
        , "required" .= [str "name", "label"]
        , "type" .= str "object"
        ]
    nextDef =
      object
        [ "description" .= str "What follows a wizard step."
        , "oneOf" .=
            [ variant "The form is submitted." [kindConst "submit"] ["kind"]
            , variant "Go to the named step."
                [kindConst "step", "step" .= object ["description" .= str "The step's name.", "type" .= str "string"]]
                ["kind", "step"]
            , variant "Go to a step chosen by the value of a choice field of this step."
                [ "cases" .= object
                    [ "additionalProperties" .= object ["type" .= str "string"]
                    , "description" .= str "Choice value \x2192 step name. A value not listed submits the form."
                    , "type" .= str "object"
                    ]
                , "field" .= object ["description" .= str "The choice field (of this step) whose value decides.", "type" .= str "string"]
                , kindConst "by_choice"
                ]
                ["kind", "field", "cases"]
            ]
        ]
    stepDef =
      object
        [ "description" .= str "One step of a wizard."
        , "properties" .= object
            [ "fields" .= object
                [ "description" .= str "The step's fields. Field names are unique across the whole form."
                , "items" .= ref "Field"
                , "type" .= str "array"
                ]
            , "name" .= object ["description" .= str "Unique within the form; reported in [`FormReply::Submitted::steps`].", "type" .= str "string"]
            , "next" .= object
                [ "$ref" .= str "#/$defs/Next"
                , "default" .= object ["kind" .= str "submit"]
                , "description" .= str "What comes after this step. Default: submit."
                ]
            , "title" .= nullable "string" "Shown as the step's heading; defaults to the name."
            ]
        , "required" .= [str "name", "fields"]
        , "type" .= str "object"
        ]
