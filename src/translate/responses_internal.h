/* Private to the Responses codec (responses_request.c, responses_input.c, responses_encoder.c,
 * responses_object.c, responses_compact.c, responses_count.c): the decoder's shared context and
 * validation helpers, and the Response object writer the encoder uses for every lifecycle
 * snapshot. Nothing else includes this. */
#ifndef SY_TRANSLATE_RESPONSES_INTERNAL_H
#define SY_TRANSLATE_RESPONSES_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/status.h"
#include "ir/ir.h"
#include "json/json.h"
#include "json/write.h"
#include "translate/dropped.h"
#include "translate/responses.h"

/* ------------------------------------------------------------------ decoder */

struct sy_rsd {
    struct sy_arena      *a;
    struct sy_ir_request *req;
    struct sy_dropped    *dropped;
    struct sy_diag       *diag;
};

/* 400 invalid_type: "Invalid type for 'P': expected E, but got a string instead." */
sy_status sy_rsd_bad_type(struct sy_rsd *c, const char *param, const char *expected, const struct sy_json *got);
/* 400 with message, param and code (code NULL = the status default). */
sy_status sy_rsd_fail(struct sy_rsd *c, const char *param, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 400 invalid_value "Invalid value: 'v'. Supported values are: 'a', 'b', and 'c'." unless v is
 * one of the NULL-terminated `allowed`. */
sy_status sy_rsd_enum(struct sy_rsd *c, const char *param, sy_slice v, const char *const *allowed);
/* 400 missing_required_parameter "Missing required parameter: 'P'." */
sy_status sy_rsd_missing(struct sy_rsd *c, const char *param);
/* Optional string member `key` of obj: absent or null leaves *out untouched and *present false. */
sy_status sy_rsd_opt_str(struct sy_rsd *c, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out, bool *present);
/* Required string member: missing/null → missing_required_parameter. */
sy_status sy_rsd_req_str(struct sy_rsd *c, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out);
/* Compact JSON text of a node, copied into the arena. */
sy_slice sy_rsd_node_text(struct sy_rsd *c, const struct sy_json *v);

/* Decode the `input` member (string, item array, or null) into c->req->items. */
sy_status sy_rsd_input(struct sy_rsd *c, const struct sy_json *input);

/* One top-level member's decoder. */
typedef sy_status (*sy_rsd_member_fn)(struct sy_rsd *c, const struct sy_json *v);
struct sy_rsd_member {
    const char      *name;
    sy_rsd_member_fn fn;   /* NULL: the create request's decoder of that name */
};

/* Decode a request body (root must be an object) into c->req: defaults, then every member
 * through its decoder, then the checks that span members (model required, ...). `accepted`
 * ({NULL, NULL}-terminated) lists the members this endpoint takes; NULL means every member of a
 * create request (responses_keys.def). Any other member: unknown_parameter. */
sy_status sy_rsd_decode(struct sy_rsd *c, const struct sy_json *root, const struct sy_rsd_member *accepted);

/* ------------------------------------------------------------------ Response object */

/* The parts of a Response snapshot that change while it runs; the rest is the request echo. */
struct sy_rs_snapshot {
    const char               *status;            /* "in_progress", "completed", ... */
    int64_t                   completed_at;      /* < 0: null */
    sy_slice                  output;            /* JSON array text */
    const struct sy_ir_usage *usage;             /* NULL or !present: null */
    const char               *incomplete_reason; /* NULL: incomplete_details null */
    const char               *error_code;        /* NULL: error null */
    sy_slice                  error_message;
};

/* Write `"usage":` and the Responses usage object (responses-api.md §6.1), or null when u is
 * NULL or not present. */
void sy_rs_write_usage(struct sy_json_writer *w, const struct sy_ir_usage *u);

/* Write the whole Response object (every field of responses-api.md §6, echo from req). */
void sy_rs_write_response(struct sy_json_writer *w, const struct sy_ir_request *req,
                          const struct sy_responses_encode_opts *o, const struct sy_rs_snapshot *s);

/* Append the entries of a Responses-form logprobs array (without brackets, comma-separated
 * after any existing entries in out) to out, normalised: token, logprob, bytes (computed from
 * the token's UTF-8 when missing or null), top_logprobs (same rule). Malformed input adds
 * nothing. Returns the number of entries appended, or -1 when out hit its cap. */
long sy_rs_logprobs_append(struct sy_buf *out, sy_slice logprobs);

#endif
