/* The Responses encoder's state (translate/responses_encoder.c), shared with the code that
 * reads it without driving it (translate/responses_snapshot.c: progress snapshots). Internal to
 * the Responses codec. */
#ifndef SY_TRANSLATE_RESPONSES_ENCODER_STATE_H
#define SY_TRANSLATE_RESPONSES_ENCODER_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "json/write.h"
#include "translate/responses.h"

#define TEXT_MAX ((size_t)64 << 20) /* cap of any one accumulated text */
#define TOOLS_MAX 1024
#define ID_RANDOM 24

enum cur { CUR_NONE, CUR_REASONING, CUR_MESSAGE, CUR_TOOL };
enum part { PART_NONE, PART_TEXT, PART_REFUSAL };
enum phase { PH_NEW, PH_RUNNING, PH_DONE };
enum tstate { T_WAIT, T_DEFERRED, T_OPEN };

struct tool {
    uint32_t      key;
    enum tstate   state;
    bool          named;
    sy_slice      call_id, name;
    struct sy_buf args;
};

struct deferred {
    enum sy_ir_ev    kind;
    sy_slice         text, logprobs;
    struct deferred *next;
};

struct sy_responses_encoder {
    struct sy_arena                *a;
    const struct sy_ir_request     *req;
    struct sy_responses_encode_opts o;
    struct sy_ir_sink               sink;
    sy_status                       err;
    enum phase                      phase;
    const char                     *status;
    int64_t                         seq;
    int64_t                         next_oi;
    /* the open item */
    enum cur     cur;
    sy_slice     item_id;
    int64_t      oi;
    struct tool *tool;                /* CUR_TOOL */
    enum part    part;                /* CUR_MESSAGE: open part */
    int64_t      ci, nparts;
    struct sy_buf text, lp, content;  /* open part / reasoning text, its logprobs, closed parts */
    /* tool calls */
    struct tool **tools;
    size_t        ntools, captools;
    struct tool *live;                /* holder of the live slot */
    bool         deferring;           /* live tool call is open: buffer everything else */
    struct deferred *dhead, *dtail;
    /* results */
    struct sy_buf      items;         /* closed items' JSON, comma-separated */
    struct sy_buf      ev, item;      /* scratch: event JSON, item JSON */
    struct sy_json_writer w;
    struct sy_ir_usage usage;
    enum sy_ir_finish  finish;
    const char        *err_code;
    sy_slice           err_msg;
    sy_slice           final;
    uint64_t           rng[4];
};

/* Contents of b; never a NULL pointer (an empty buffer has none). */
static inline sy_slice view(const struct sy_buf *b) { return b->len ? sy_buf_slice(b) : SY_LIT(""); }

#endif
