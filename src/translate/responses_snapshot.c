/* Responses codec: progress snapshots of a running encoder (a background run's polled object):
 * the items finished so far and the open one as of now, without arena memory. */
#include "translate/responses.h"

#include "translate/responses_encoder_state.h"
#include "translate/responses_internal.h"

/* The open part with its text so far (message items). */
static void write_open_part(struct sy_responses_encoder *e, struct sy_json_writer *w)
{
    sy_jw_obj_begin(w);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, e->part == PART_TEXT ? "output_text" : "refusal");
    sy_jw_key(w, e->part == PART_TEXT ? "text" : "refusal");
    sy_jw_str(w, view(&e->text));
    if (e->part == PART_TEXT) {
        sy_jw_key(w, "annotations");
        sy_jw_raw(w, SY_LIT("[]"));
        sy_jw_key(w, "logprobs");
        sy_jw_arr_begin(w);
        if (e->lp.len)
            sy_jw_raw(w, view(&e->lp));
        sy_jw_arr_end(w);
    }
    sy_jw_obj_end(w);
}

/* The open item as of now (status in_progress, its text or arguments so far) into w. */
static void write_open_item(struct sy_responses_encoder *e, struct sy_json_writer *w)
{
    static const char *const types[] = { [CUR_MESSAGE] = "message", [CUR_TOOL] = "function_call",
                                         [CUR_REASONING] = "reasoning" };
    sy_jw_obj_begin(w);
    sy_jw_key(w, "id");
    sy_jw_str(w, e->item_id);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, types[e->cur]);
    sy_jw_key(w, "status");
    sy_jw_cstr(w, "in_progress");
    if (e->cur == CUR_MESSAGE) {
        sy_jw_key(w, "role");
        sy_jw_cstr(w, "assistant");
        sy_jw_key(w, "content");
        sy_jw_arr_begin(w);
        if (e->content.len)
            sy_jw_raw(w, view(&e->content));
        if (e->part != PART_NONE)
            write_open_part(e, w);
        sy_jw_arr_end(w);
    } else if (e->cur == CUR_TOOL) {
        sy_jw_key(w, "call_id");
        sy_jw_str(w, e->tool->call_id);
        sy_jw_key(w, "name");
        sy_jw_str(w, e->tool->name);
        sy_jw_key(w, "arguments");
        sy_jw_str(w, view(&e->tool->args));
    } else {
        sy_jw_key(w, "summary");
        sy_jw_raw(w, SY_LIT("[]"));
        sy_jw_key(w, "content");
        sy_jw_arr_begin(w);
        sy_jw_obj_begin(w);
        sy_jw_key(w, "type");
        sy_jw_cstr(w, "reasoning_text");
        sy_jw_key(w, "text");
        sy_jw_str(w, view(&e->text));
        sy_jw_obj_end(w);
        sy_jw_arr_end(w);
    }
    sy_jw_obj_end(w);
}

sy_status sy_responses_encoder_snapshot_into(struct sy_responses_encoder *e, struct sy_buf *out)
{
    sy_buf_reset(out);
    if (e->phase == PH_DONE)
        return sy_buf_append_slice(out, e->final);
    struct sy_buf output;
    sy_buf_init(&output, SY_BUF_UNCAPPED);
    struct sy_json_writer ow;
    sy_jw_init(&ow, &output);
    sy_jw_arr_begin(&ow);
    if (e->items.len)
        sy_jw_raw(&ow, view(&e->items));
    if (e->cur != CUR_NONE)
        write_open_item(e, &ow);
    sy_jw_arr_end(&ow);
    sy_status st = sy_jw_status(&ow);
    struct sy_rs_snapshot snap = { .status = e->status, .completed_at = -1, .output = sy_buf_slice(&output),
                                   .error_message = e->err_msg };
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    if (st == SY_OK) {
        sy_rs_write_response(&w, e->req, &e->o, &snap);
        st = sy_jw_status(&w);
    }
    sy_buf_free(&output);
    return st;
}

