/* Private to the Responses codec (responses_request.c, responses_input.c, responses_encoder.c,
 * responses_object.c, responses_compact.c, responses_count.c): the decoder's shared context (its
 * validating readers are translate/checked.h), and the Response object writer the encoder uses
 * for every lifecycle snapshot. Nothing else includes this. */
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
#include "translate/checked.h"
#include "translate/dropped.h"
#include "translate/responses.h"

/* ------------------------------------------------------------------ decoder */

/* Decoder context. Callers set a, req, dropped and diag; sy_rsd_decode copies them into k,
 * which the checked readers (translate/checked.h) take. */
struct sy_rsd {
    struct sy_arena      *a;
    struct sy_ir_request *req;
    struct sy_dropped    *dropped;
    struct sy_diag       *diag;
    struct sy_chk         k;
};

/* 400 invalid_type: "Invalid type for 'P': expected E, but got a string instead." */
sy_status sy_rsd_bad_type(struct sy_rsd *c, const char *param, const char *expected, const struct sy_json *got);
/* 400 with message, param and code (code NULL = the status default). */
sy_status sy_rsd_fail(struct sy_rsd *c, const char *param, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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

/* ------------------------------------------------------------------ upstream decoders */

/* Shared by the upstream-side decoders (responses_upstream_decode.c defines these,
 * responses_upstream_stream.c uses them too): a Responses upstream's output → IR events. */

enum sy_rsu_kind { SY_RSU_OTHER, SY_RSU_MESSAGE, SY_RSU_REASONING, SY_RSU_CALL };

/* What a decoder already sent for one output item, so that the item's final form
 * (output_item.done, or the terminal Response's `output`) adds only what is missing. */
struct sy_rsu_item {
    int64_t          oi;           /* output_index */
    enum sy_rsu_kind kind;
    uint32_t         key;          /* SY_RSU_CALL: tool key (order among function calls) */
    bool             streamed;     /* deltas arrived for it: the masks below are meaningful */
    bool             id_sent, name_sent, args_seen, done;
    uint64_t         text_seen;    /* bit ci: content part ci sent text (ci < 64; later parts
                                      of a streamed item count as sent) */
    uint64_t         summary_seen; /* bit si: summary part si sent text */
};

/* Kind of an output item by its `type` (hosted-tool and unknown items: SY_RSU_OTHER). */
enum sy_rsu_kind sy_rsu_item_kind(const struct sy_json *item);
/* Part/summary index i already sent for it. */
bool sy_rsu_seen(const struct sy_rsu_item *it, uint64_t mask, int64_t i);
/* Send one event (sink NULL: validate only, nothing sent). */
sy_status sy_rsu_emit(struct sy_ir_sink *sink, const struct sy_ir_event *ev) SY_MUST_CHECK;
/* SY_EUPSTREAM with this message in diag (param cleared; the caller picks the code). */
sy_status sy_rsu_malformed(struct sy_diag *diag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* String member (empty slice when absent, null or not a string). */
sy_slice sy_rsu_str(const struct sy_json *obj, const char *key);
/* A text, refusal or reasoning delta; logprobs (an array node or NULL) ride on TEXT_DELTA when
 * non-empty, as compact JSON written into scratch. Empty text with no logprobs sends nothing. */
sy_status sy_rsu_text(struct sy_ir_sink *sink, enum sy_ir_ev kind, sy_slice text, const struct sy_json *logprobs,
                      struct sy_buf *scratch) SY_MUST_CHECK;
/* The final form of an output item: what `st` says was not sent yet — message parts (text with
 * logprobs, refusal), reasoning content then summary texts, a function call's call id, name and
 * arguments (one TOOL_DELTA; st->key must be set). Malformed fields: SY_EUPSTREAM. Updates st. */
sy_status sy_rsu_item_final(struct sy_ir_sink *sink, const struct sy_json *item, struct sy_rsu_item *st,
                            struct sy_buf *scratch, struct sy_diag *diag) SY_MUST_CHECK;
/* The end of a Response: USAGE (when it has a usage object), then by `status` (NULL: the
 * response's own `status`, else "completed"): failed / cancelled → ERROR (SY_EUPSTREAM, the
 * error object's code and message); incomplete → FINISH length | content_filter, END; anything
 * else → FINISH tool_calls (saw_tool) | stop, END. */
sy_status sy_rsu_terminal(struct sy_ir_sink *sink, const struct sy_json *response, const char *status,
                          bool saw_tool) SY_MUST_CHECK;
/* ERROR from an error object ({code, message}; NULL or incomplete: defaults). */
sy_status sy_rsu_error(struct sy_ir_sink *sink, const struct sy_json *err, const char *dflt_message) SY_MUST_CHECK;

#endif
