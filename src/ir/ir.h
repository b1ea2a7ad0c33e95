/* The canonical intermediate representation between wire formats. Item-based like the
 * Responses API (the richest format). Codecs in translate/ convert each wire format to and
 * from it; api/ and providers meet only here. Everything an IR value points to is borrowed
 * from the request arena (slices) — IR values are built, read and dropped with the request.
 * Nested JSON the gateway does not interpret (tool parameter schemas, metadata, json_schema)
 * travels as compact JSON text in a slice, so this module needs no JSON library. */
#ifndef SY_IR_IR_H
#define SY_IR_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* ------------------------------------------------------------------ content */

enum sy_ir_role { SY_ROLE_USER, SY_ROLE_ASSISTANT, SY_ROLE_SYSTEM, SY_ROLE_DEVELOPER };

enum sy_ir_part_kind {
    SY_PART_TEXT,     /* input_text / output_text / chat "text" */
    SY_PART_IMAGE,    /* input_image / chat image_url */
    SY_PART_FILE,     /* input_file / chat file */
    SY_PART_REFUSAL,  /* assistant refusal */
};

struct sy_ir_part {
    enum sy_ir_part_kind kind;
    sy_slice text;          /* TEXT, REFUSAL */
    sy_slice annotations;   /* TEXT (assistant): JSON array text, empty = [] */
    sy_slice logprobs;      /* TEXT (assistant): JSON array text in Responses form, empty = none */
    sy_slice image_url;     /* IMAGE: URL or data URL */
    sy_slice detail;        /* IMAGE: "auto" | "low" | "high" | empty */
    sy_slice file_id;       /* IMAGE, FILE */
    sy_slice file_data;     /* FILE: data URL / base64 */
    sy_slice filename;      /* FILE */
    sy_slice file_url;      /* FILE */
};

/* ------------------------------------------------------------------ items */

enum sy_ir_item_kind {
    SY_ITEM_MESSAGE,
    SY_ITEM_FUNCTION_CALL,
    SY_ITEM_FUNCTION_CALL_OUTPUT,
    SY_ITEM_REASONING,
};

enum sy_ir_status { SY_ST_NONE, SY_ST_IN_PROGRESS, SY_ST_COMPLETED, SY_ST_INCOMPLETE };

struct sy_ir_item {
    enum sy_ir_item_kind kind;
    sy_slice             id;             /* msg_… / fc_… / rs_…; empty when the client gave none */
    enum sy_ir_status    status;
    /* MESSAGE */
    enum sy_ir_role      role;
    bool                 content_is_string; /* content was a plain string (kept as such) */
    sy_slice             content_string;
    struct sy_ir_part   *parts;
    size_t               nparts;
    /* FUNCTION_CALL */
    sy_slice             call_id, name, arguments;
    /* FUNCTION_CALL_OUTPUT: `output` string, or parts when it was an array */
    sy_slice             output;
    /* REASONING */
    sy_slice             reasoning_text;    /* raw reasoning (content[].text joined) */
    sy_slice             summary_text;      /* summary[].text joined */
    sy_slice             encrypted_content;
};

/* ------------------------------------------------------------------ request */

struct sy_ir_tool {
    sy_slice name, description;
    sy_slice parameters;   /* JSON schema text, empty = none */
    int      strict;       /* -1 unset, 0, 1 */
};

enum sy_ir_tool_choice { SY_TC_UNSET, SY_TC_AUTO, SY_TC_NONE, SY_TC_REQUIRED, SY_TC_FUNCTION, SY_TC_ALLOWED };

enum sy_ir_format { SY_FMT_UNSET, SY_FMT_TEXT, SY_FMT_JSON_OBJECT, SY_FMT_JSON_SCHEMA };

struct sy_ir_request {
    sy_slice              model;
    bool                  stream;
    sy_slice              instructions;       /* empty = none */
    struct sy_ir_item    *items;              /* full context, in order */
    size_t                nitems;
    size_t                input_start;        /* items[input_start..] came from this request's own
                                                 `input`; earlier ones were loaded from
                                                 previous_response_id / conversation (0 = none) */
    struct sy_ir_tool    *tools;
    size_t                ntools;
    enum sy_ir_tool_choice tool_choice;
    sy_slice              tool_choice_name;   /* SY_TC_FUNCTION */
    enum sy_ir_tool_choice allowed_mode;      /* SY_TC_ALLOWED: AUTO or REQUIRED */
    sy_slice             *allowed_names;      /* SY_TC_ALLOWED */
    size_t                nallowed;
    int                   parallel_tool_calls;/* -1 unset, 0, 1 */
    enum sy_ir_format     format;
    sy_slice              format_name, format_description;
    sy_slice              format_schema;      /* JSON text */
    int                   format_strict;      /* -1 unset, 0, 1 */
    sy_slice              verbosity;
    sy_slice              reasoning_effort, reasoning_summary;
    int64_t               max_output_tokens;  /* -1 unset */
    bool                  has_temperature, has_top_p, has_presence_penalty, has_frequency_penalty;
    sy_slice              temperature, top_p, presence_penalty, frequency_penalty; /* number text as sent */
    int64_t               top_logprobs;       /* -1 unset */
    bool                  want_logprobs;      /* include ∋ message.output_text.logprobs / chat logprobs */
    sy_slice              metadata;           /* JSON object text, empty = none */
    sy_slice              user, safety_identifier, prompt_cache_key, service_tier;
    int                   store;              /* -1 unset, 0, 1 */
    bool                  background;
    sy_slice              previous_response_id, conversation, truncation;
    int64_t               max_tool_calls;     /* -1 unset */
    sy_slice              include;            /* JSON array text as sent (echo) */
    bool                  include_usage;      /* chat stream_options.include_usage */
    bool                  has_include_obfuscation, include_obfuscation; /* stream_options, as sent */
};

/* ------------------------------------------------------------------ response */

struct sy_ir_usage {
    bool    present;
    int64_t input_tokens, output_tokens, total_tokens;
    int64_t cached_tokens, cache_write_tokens, reasoning_tokens;
};

enum sy_ir_finish {
    SY_FINISH_NONE,            /* not reported (local servers): treated as stop */
    SY_FINISH_STOP,
    SY_FINISH_LENGTH,
    SY_FINISH_TOOL_CALLS,
    SY_FINISH_CONTENT_FILTER,
};

#endif
