/* Server-Sent Events, both directions, with no JSON knowledge.
 * Decoder: incremental and capped, per the WHATWG event-stream rules (LF, CRLF or CR line ends,
 * `field: value` with one optional space stripped, comments starting with ':', `data` lines
 * joined with '\n', dispatch on a blank line). Writer: the only place SSE frames are built. */
#ifndef SY_SSE_SSE_H
#define SY_SSE_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/slice.h"
#include "core/status.h"

/* One dispatched block. All slices are borrowed and valid only during the emit callback. */
struct sy_sse_event {
    sy_slice event;    /* value of the last `event:` line; empty if none */
    sy_slice data;     /* data lines joined with '\n' (no trailing '\n') */
    sy_slice id;       /* value of the last `id:` line; empty if none */
    sy_slice raw;      /* the exact bytes of the block as received, up to and including the
                          blank line that ended it; forwarding `raw` is byte-exact passthrough.
                          Precisely: every byte since the previous dispatch, so stray blank lines
                          before the block are included, and when the previous block ended with
                          a CR whose LF came next, that LF is raw's first byte. Concatenating the
                          raws of all events reproduces the stream (minus a leading BOM and any
                          unfinished tail). */
    bool     has_data; /* at least one `data` line was present */
    bool     comment_only; /* block had only comment lines (e.g. ": keep-alive") */
    bool     unknown_field;/* a line named a field other than event/data/id/retry (ignored per
                              the SSE rules; strict consumers may treat the block as malformed) */
};

struct sy_sse_decoder {
    struct sy_buf line;   /* partial line carried across feeds */
    struct sy_buf raw;    /* raw bytes of the current block */
    struct sy_buf data, event, id;
    size_t        max_event;   /* cap for one block's raw bytes */
    sy_status     err;         /* sticky: set once feed failed */
    bool          has_data, has_field, has_comment, has_unknown, saw_cr, bom_checked;
};

typedef sy_status (*sy_sse_emit_fn)(void *ctx, const struct sy_sse_event *ev);

/* Ready a decoder; no single block may exceed max_event_bytes of raw input. */
void sy_sse_decoder_init(struct sy_sse_decoder *d, size_t max_event_bytes);
void sy_sse_decoder_free(struct sy_sse_decoder *d);
/* Forget everything buffered and any error: ready for a new stream (same cap, memory kept). */
void sy_sse_decoder_reset(struct sy_sse_decoder *d);
/* Feed bytes; calls emit for every complete block, in order. Returns SY_OK (possibly having
 * buffered a partial block), SY_ETOOBIG if a block exceeds the cap, or the first non-OK status
 * returned by emit, which stops decoding (the decoder must then be reset or freed; until then
 * every feed returns that status again). How the input is split across feeds never changes the
 * events. A block is emitted when a blank line ends it and it had at least one line (a field or
 * a comment); a leading UTF-8 BOM is skipped. `id` lines containing NUL, `retry` and unknown
 * fields are ignored (they still make the block non-comment). */
sy_status sy_sse_feed(struct sy_sse_decoder *d, sy_slice in, sy_sse_emit_fn emit, void *ctx) SY_MUST_CHECK;
/* True when bytes of an unfinished block are buffered (a stream ending now was cut mid-event). */
bool sy_sse_decoder_pending(const struct sy_sse_decoder *d);

/* Writer. Each call appends one whole frame to out, or nothing on failure (SY_ETOOBIG from out;
 * SY_EINVAL when `event` contains CR or LF). Every line of data (split at LF, CRLF or CR) becomes
 * one `data: <line>` line, so the frame decodes back to data with line ends turned into LF.
 * `event` may be empty (no `event:` line). */
sy_status sy_sse_write_event(struct sy_buf *out, sy_slice event, sy_slice data) SY_MUST_CHECK;
/* `: <text>\n\n`: a comment frame, used as a heartbeat. Multi-line text gives one `: ` line each. */
sy_status sy_sse_write_comment(struct sy_buf *out, sy_slice text) SY_MUST_CHECK;
/* `data: [DONE]\n\n`. */
sy_status sy_sse_write_done(struct sy_buf *out) SY_MUST_CHECK;

#endif
