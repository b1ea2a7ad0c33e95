/* Streaming JSON writer into a capped sy_buf. Commas and escaping are handled here; callers only
 * say begin/key/value/end. Errors are sticky: after the first failure (SY_ETOOBIG from the buffer)
 * every call is a no-op and sy_jw_status() reports it, so callers check once at the end.
 * Misuse that would produce invalid JSON (a key outside an object or twice in a row, a value in
 * an object without a key, an end that does not match its begin, a second top-level value,
 * nesting deeper than SY_JW_MAX_DEPTH) fails with SY_EINTERNAL instead. */
#ifndef SY_JSON_WRITE_H
#define SY_JSON_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/slice.h"
#include "core/status.h"

/* Deeper than SY_JSON_MAX_DEPTH so that a parsed tree fits inside the gateway's own envelopes. */
#define SY_JW_MAX_DEPTH 127

struct sy_json_writer {
    struct sy_buf *out;          /* borrowed */
    sy_status      st;           /* first error, sticky */
    unsigned       depth;        /* open containers, at most SY_JW_MAX_DEPTH */
    uint64_t       has_items[2]; /* bit d: container at depth d (0 = top level) has an element */
    uint64_t       is_obj[2];    /* bit d: container at depth d is an object */
    bool           after_key;    /* a key was written; the next value needs no comma */
};

void sy_jw_init(struct sy_json_writer *w, struct sy_buf *out);
void sy_jw_obj_begin(struct sy_json_writer *w);
void sy_jw_obj_end(struct sy_json_writer *w);
void sy_jw_arr_begin(struct sy_json_writer *w);
void sy_jw_arr_end(struct sy_json_writer *w);
void sy_jw_key(struct sy_json_writer *w, const char *key);   /* key is escaped too */
void sy_jw_str(struct sy_json_writer *w, sy_slice s);         /* escaped JSON string */
void sy_jw_cstr(struct sy_json_writer *w, const char *s);     /* NULL writes null */
void sy_jw_int(struct sy_json_writer *w, int64_t v);
void sy_jw_double(struct sy_json_writer *w, double v);        /* shortest text that round-trips */
void sy_jw_bool(struct sy_json_writer *w, bool v);
void sy_jw_null(struct sy_json_writer *w);
/* Insert already-serialized JSON as a value, unchanged (caller vouches that it is valid). */
void sy_jw_raw(struct sy_json_writer *w, sy_slice json);
/* Serialize a parsed node (compact, original number text kept) as a value. */
struct sy_json;
void sy_jw_node(struct sy_json_writer *w, const struct sy_json *node);
sy_status sy_jw_status(const struct sy_json_writer *w);

/* Append s to b as the inside of a JSON string (no quotes): escapes ", \, control characters
 * (\n \r \t \b \f, others as \u00XX); leaves UTF-8 and '/' as they are. Bytes that are not
 * well-formed UTF-8 become U+FFFD (one per maximal ill-formed subpart), so the output is always
 * valid UTF-8. On failure (SY_ETOOBIG) b is left as it was. */
sy_status sy_json_escape(struct sy_buf *b, sy_slice s) SY_MUST_CHECK;

#endif
