/* Checked reads of a client request body: the validating JSON member readers both request
 * decoders share (chat_client_request.c for Chat Completions clients, responses_request.c for
 * Responses clients), and the top-level members the two bodies define alike. Every failure is
 * SY_EINVAL with OpenAI's wording, `param` and `code` in the diag (invalid_type,
 * missing_required_parameter, invalid_value, integer_below_min_value, ...). JSON null counts as
 * absent: an optional member that is absent or null leaves *out untouched. What only one
 * decoder does (its member table, what it drops or refuses) stays in that decoder. */
#ifndef SY_TRANSLATE_CHECKED_H
#define SY_TRANSLATE_CHECKED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"
#include "ir/ir.h"
#include "json/json.h"
#include "translate/dropped.h"

/* What every checked read needs: where copies live, where errors go, where dropped
 * parameters are listed, and the request the members decode into. */
struct sy_chk {
    struct sy_arena      *a;
    struct sy_diag       *diag;    /* may be NULL: failures carry no detail */
    struct sy_dropped    *dropped; /* may be NULL */
    struct sy_ir_request *req;     /* only sy_chk_common_member needs it */
};

/* ------------------------------------------------------------------ errors */

/* SY_EINVAL with diag message (printf-style), param and code (NULL: the status default). */
sy_status sy_chk_fail(const struct sy_chk *k, const char *param, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sy_status sy_chk_vfail(const struct sy_chk *k, const char *param, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* invalid_type "Invalid type for 'P': expected E, but got an integer instead." */
sy_status sy_chk_bad_type(const struct sy_chk *k, const char *param, const char *expected, const struct sy_json *got);
/* missing_required_parameter "Missing required parameter: 'P'." */
sy_status sy_chk_missing(const struct sy_chk *k, const char *param);
/* invalid_value "Invalid value: 'v'. Supported values are: 'a', 'b', and 'c'." unless v is one of
 * the NULL-terminated `allowed`. */
sy_status sy_chk_enum(const struct sy_chk *k, const char *param, sy_slice v, const char *const *allowed);
/* string_above_max_length unless s has at most max bytes. */
sy_status sy_chk_max_len(const struct sy_chk *k, const char *param, sy_slice s, size_t max);
/* invalid_value unless s matches ^[a-zA-Z0-9_-]{1,64}$ (function and schema names). */
sy_status sy_chk_name(const struct sy_chk *k, const char *param, sy_slice s);
/* unknown_parameter "Unrecognized request argument supplied: KEY" (param KEY). */
sy_status sy_chk_unknown(const struct sy_chk *k, const char *key);
/* Add param to the dropped list (when there is one). */
void sy_chk_drop(const struct sy_chk *k, const char *param);
/* A member with no IR slot: when present it must be an object or an array (t), then it is
 * added to the dropped list. */
sy_status sy_chk_drop_typed(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t);

/* ------------------------------------------------------------------ typed reads */

/* Absent or JSON null. */
static inline bool sy_chk_null(const struct sy_json *v) { return sy_json_type_of(v) == SY_JSON_NULL; }
/* v must be an object or an array (t), else invalid_type. Absent/null fails too. */
sy_status sy_chk_type(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t);
/* The same, but absent or null is fine too. */
sy_status sy_chk_opt_type(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t);
/* Member `key` of obj, required to be an object or an array (t): absent or null is
 * missing_required_parameter, another type invalid_type (both naming param). */
sy_status sy_chk_req_member(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                            enum sy_json_type t, const struct sy_json **out);
/* A string value; another type: invalid_type. */
sy_status sy_chk_str(const struct sy_chk *k, const struct sy_json *v, const char *param, sy_slice *out);
/* Member `key` of obj as a string (param names it). Optional: *present (may be NULL) says
 * whether it was there; required: absent or null is missing_required_parameter. */
sy_status sy_chk_opt_str(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out, bool *present);
sy_status sy_chk_req_str(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out);
/* A string that must be one of `allowed`. */
sy_status sy_chk_enum_str(const struct sy_chk *k, const struct sy_json *v, const char *param,
                          const char *const *allowed, sy_slice *out);
/* A boolean into a tri-state int (0/1; untouched when absent). */
sy_status sy_chk_bool(const struct sy_chk *k, const struct sy_json *v, const char *param, int *out);
/* An integer in [lo, hi]. */
sy_status sy_chk_int(const struct sy_chk *k, const struct sy_json *v, const char *param, int64_t lo, int64_t hi,
                     int64_t *out);
/* A number in [lo, hi], kept as the text the client sent (*has set when present). */
sy_status sy_chk_num(const struct sy_chk *k, const struct sy_json *v, const char *param, double lo, double hi,
                     bool *has, sy_slice *text);

/* ------------------------------------------------------------------ shared members */

/* `metadata`: at most 16 string properties, keys up to 64 and values up to 512 bytes; its
 * compact JSON text into *out. */
sy_status sy_chk_metadata(const struct sy_chk *k, const struct sy_json *v, sy_slice *out);

/* `tool_choice` as far as both bodies agree: a mode string ("none" | "auto" | "required") sets
 * k->req->tool_choice; an object sets *object for the decoder to read (its shapes differ);
 * absent or null does nothing; anything else is invalid_type. */
sy_status sy_chk_tool_choice(const struct sy_chk *k, const struct sy_json *v, bool *object);
/* A function definition {name, description, parameters, strict} at `prefix` (params
 * "prefix.name", ...) into t; t->strict is left as is when `strict` is absent. */
sy_status sy_chk_function(const struct sy_chk *k, const struct sy_json *f, const char *prefix, struct sy_ir_tool *t);

/* ------------------------------------------------------------------ request body */

/* Top-level member `key` when it is one that both request bodies define alike (same checks,
 * same IR field): model, user, previous_response_id, stream, store, parallel_tool_calls,
 * top_logprobs, temperature, top_p, presence_penalty, frequency_penalty, service_tier,
 * metadata, and prompt_cache_retention / prompt_cache_options (checked, then dropped). Any
 * other key: unknown_parameter. */
sy_status sy_chk_common_member(const struct sy_chk *k, const char *key, const struct sy_json *v);

/* The IR request as both decoders start it: zeroed, every tri-state and limit unset (-1). */
void sy_chk_request_init(struct sy_ir_request *r);
/* Decode of one top-level member by name; unknown names return sy_chk_unknown. */
typedef sy_status (*sy_chk_member_fn)(void *ctx, const char *key, const struct sy_json *v);
/* root must be an object (else invalid_type "The request body must be a JSON object."); each
 * member goes through `member` in order, the first failure ends the walk. */
sy_status sy_chk_members(const struct sy_chk *k, const struct sy_json *root, sy_chk_member_fn member, void *ctx);

/* ------------------------------------------------------------------ arena */

/* Compact JSON text of a node, copied into the arena ("null" when it cannot be written). */
sy_slice sy_chk_node_text(const struct sy_chk *k, const struct sy_json *v);
/* arr (n used of *cap, elements of `size` bytes) with room for one more, in the arena. */
void *sy_chk_grow(const struct sy_chk *k, void *arr, size_t n, size_t *cap, size_t size);

#endif
