/* IR stream events and the sink interface. A provider's decoder turns upstream output
 * (streamed or not) into these events; an encoder turns them into the client's wire format.
 * Events are "channel" deltas, not items: the encoder for an item-based format (Responses)
 * decides item boundaries, ids and output indexes, so every decoder stays simple.
 * Order of a well-formed stream: START, then any mix of deltas, USAGE and FINISH, then
 * exactly one of END or ERROR. All slices are borrowed for the duration of the call. */
#ifndef SY_IR_IR_STREAM_H
#define SY_IR_IR_STREAM_H

#include "core/status.h"
#include "ir/ir.h"

enum sy_ir_ev {
    SY_IR_START,           /* upstream id (may be empty), model, created (unix s, 0 = unknown) */
    SY_IR_TEXT_DELTA,      /* assistant text; `logprobs` = Responses-form JSON array text or empty */
    SY_IR_REFUSAL_DELTA,   /* assistant refusal text */
    SY_IR_REASONING_DELTA, /* raw reasoning text */
    SY_IR_TOOL_DELTA,      /* tool call `key`: first sight carries call id (may be empty) and/or
                              name; `text` is an arguments fragment (may be empty) */
    SY_IR_USAGE,           /* token usage (may come more than once; the last wins) */
    SY_IR_FINISH,          /* finish reason (before END) */
    SY_IR_END,             /* terminal: upstream finished normally */
    SY_IR_ERROR,           /* terminal: upstream failed, was cut off, or sent garbage */
};

struct sy_ir_event {
    enum sy_ir_ev             kind;
    uint32_t                  key;      /* TOOL_DELTA: the upstream's tool-call index */
    sy_slice                  id;       /* START: upstream response id; TOOL_DELTA: call id */
    sy_slice                  name;     /* TOOL_DELTA: function name; START: model */
    sy_slice                  tier;     /* START: the upstream's service tier (may be empty) */
    sy_slice                  text;     /* deltas */
    sy_slice                  logprobs; /* TEXT_DELTA */
    int64_t                   created;  /* START */
    const struct sy_ir_usage *usage;    /* USAGE */
    enum sy_ir_finish         finish;   /* FINISH */
    sy_status                 status;   /* ERROR: SY_EUPSTREAM, SY_ETIMEDOUT, ... */
    const char               *code;     /* ERROR: OpenAI-style code ("upstream_malformed", ...) */
    const char               *message;  /* ERROR: human text */
};

struct sy_ir_sink {
    /* Consume one event. A non-OK return stops the producer (the sink failed, e.g. the client
     * went away or a size cap was hit); the producer then sends nothing more. */
    sy_status (*event)(struct sy_ir_sink *self, const struct sy_ir_event *ev);
};

#endif
