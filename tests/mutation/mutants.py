"""The mutants of the mutation check (run.py): small deliberate bugs, one
at a time. Each: id, file, the exact text to replace (it must occur once
in the file), its replacement, what the bug is, and the Meson suites that
should catch it.

Kinds: flipped comparison, off-by-one, dropped statement, swapped
operands, wrong constant. When code moves, update `find` (run.py --check
says which are stale).
"""

GST = ["gst-check"]
PIPE = ["gst-check", "gst", "pipelines"]


def m(id, file, find, replace, what, suites):
    return {"id": id, "file": file, "find": find, "replace": replace,
            "what": what, "suites": suites}


MUTANTS = [
    # ---- nn/ post-processing (shared by the element and the tools) ----
    m("softmax-temperature", "nn/postprocess.c",
      "probs[i] = expf (logits[i] - max);",
      "probs[i] = expf ((logits[i] - max) * 0.5f);",
      "softmax at another temperature", ["nn", "tools", "gst-check"]),
    m("topk-copies-of-top1", "nn/postprocess.c",
      "    top[j].id = (int)i;\n    top[j].score = s;",
      "    top[j].id = (int)i;\n    top[j].score = s;\n"
      "    for (size_t r = 1; r < m; r++)\n      top[r] = top[0];",
      "top-k returns k copies of the top-1", ["nn", "tools", "gst-check"]),
    m("topk-tie-order", "nn/postprocess.c",
      "return sa == sb && a < b;", "return sa == sb && a > b;",
      "equal scores listed highest id first", ["nn"]),
    m("threshold-strict", "nn/postprocess.c",
      "(double)res->top[0].score >= threshold",
      "(double)res->top[0].score > threshold",
      "a confidence equal to the threshold is unknown", ["nn", "gst-check"]),
    # ---- nn/ preprocessing ----
    m("bt709-kr", "nn/preprocess.c",
      "double kr = img->matrix == NN_YUV_BT709 ? 0.2126 : 0.299;",
      "double kr = img->matrix == NN_YUV_BT709 ? 0.299 : 0.299;",
      "BT.709 frames converted with BT.601's Kr", ["preprocess"]),
    m("bilinear-centre", "nn/preprocess.c",
      "float f = (float)((d + 0.5) * scale - 0.5);",
      "float f = (float)(d * scale);",
      "bilinear samples corners, not pixel centres", ["preprocess"]),
    m("gray-weights", "nn/preprocess_area.c",
      "c0[i] = 0.299f * g0[i] + 0.587f * g1[i] + 0.114f * g2[i];",
      "c0[i] = 0.114f * g0[i] + 0.587f * g1[i] + 0.299f * g2[i];",
      "gray from RGB with red and blue weights swapped", ["preprocess"]),
    # ---- nn/train ----
    m("adam-bias-correction", "nn/train/optim.c",
      "const float mhat = m[i] / c1, vhat = v[i] / c2;",
      "const float mhat = m[i], vhat = v[i] / c2;",
      "Adam without the first moment's bias correction", ["train"]),
    m("sgd-sign", "nn/train/optim.c",
      "p[i] -= lr * (nesterov ? gi + mom * buf[i] : buf[i]);",
      "p[i] += lr * (nesterov ? gi + mom * buf[i] : buf[i]);",
      "SGD climbs the gradient", ["train"]),
    m("relu-backward", "nn/train/relu.c",
      "dx[i] = dy[i] * (float)(y[i] > 0.0f);",
      "dx[i] = dy[i];",
      "ReLU passes the gradient where it was off", ["train"]),
    m("ce-gradient", "nn/train/softmax_ce.c",
      "d[j] = (p[j] - (j == labels[i] ? 1.0f : 0.0f)) * scale;",
      "d[j] = (p[j] - (j == labels[i] ? 1.0f : 0.0f));",
      "cross-entropy gradient not averaged over the batch", ["train"]),
    # ---- the element ----
    m("labels-more-than-classes", "gst/edgeclassify-engine.c",
      "    if (n != e->n_classes) {", "    if (n < e->n_classes) {",
      "a labels file with more lines than classes accepted", GST),
    m("age-off-by-one", "gst/edgeclassify-stream.c",
      "stamp.age_frames = st->frames - s->frame;",
      "stamp.age_frames = st->frames - s->frame + 1;",
      "a result's age one frame too old", GST + ["gst"]),
    m("no-generation-check", "gst/edgeclassify-stream.c",
      "  if (!s->valid || s->gen != atomic_load (&st->gen)) {\n"
      "    g_mutex_unlock (&st->json_lock);",
      "  if (!s->valid) {\n    g_mutex_unlock (&st->json_lock);",
      "results from before a flush attached after it", GST),
    m("replaced-not-counted", "gst/edgeclassify-stream.c",
      "  if (triple_publish (&st->req_hand))\n"
      "    ec_stats_replaced (st->stats);",
      "  if (triple_publish (&st->req_hand))\n    ;",
      "replaced requests not counted", GST),
    m("interval-off-by-one", "gst/edgeclassify-stream.c",
      "if (st->ran_once && st->since_run + 1 < fp->interval)",
      "if (st->ran_once && st->since_run < fp->interval)",
      "inference-interval N runs one frame in N + 1", GST + ["gst"]),
    m("sync-rate-by-clock", "gst/edgeclassify-stream.c",
      "    if (pts != G_MAXUINT64 && st->last_run_pts != G_MAXUINT64)\n"
      "      return (gint64)(pts - st->last_run_pts) / 1000 >= gap_us;\n",
      "",
      "sync max-rate by the wall clock instead of PTS", GST),
    m("stale-flag", "gst/edgeclassify-result.c",
      '"stale", G_TYPE_BOOLEAN, stamp->age_frames != 0,',
      '"stale", G_TYPE_BOOLEAN, FALSE,',
      "stale never set", GST + ["gst"]),
    m("roi-zero-width", "gst/edgeclassify-props-values.c",
      "if (v[2] <= 0 || v[3] <= 0)", "if (v[2] < 0 || v[3] < 0)",
      "a roi of width 0 accepted", GST),
    m("std-zero", "gst/edgeclassify-props-values.c",
      "      if (v[c] == 0.0f) {", "      if (v[c] == 0.0f && c > 0) {",
      "std 0 accepted for the first channel", GST),
    m("max-rate-negative", "gst/edgeclassify-props-values.c",
      "if (!(rate >= 0.0) || !isfinite (rate))",
      "if (!isfinite (rate))",
      "a negative max-rate accepted", GST),
    m("error-not-found", "gst/edgeclassify-adapter.c",
      "    *code = GST_RESOURCE_ERROR_NOT_FOUND;",
      "    *code = GST_RESOURCE_ERROR_OPEN_READ;",
      "a missing file reported as unreadable", GST),
    m("roi-warned-every-frame", "gst/gstedgeclassify.c",
      "  self->roi_warned = TRUE;\n", "",
      "the roi-outside warning repeated on every frame", GST),
    m("bad-model-not-reverted", "gst/gstedgeclassify.c",
      "  reverted = ec_props_revert (&self->props, pspec->param_id, &applied);",
      "  reverted = FALSE;",
      "a model that failed to load reads back as set", GST),
    # ---- the scheduler ----
    m("fair-share-ignores-priority", "gst/edgeclassify-scheduler.c",
      "best->vtime += 1.0 / best->priority;", "best->vtime += 1.0;",
      "priorities ignored", ["concurrency", "gst-check"]),
    m("slots-overcommitted", "gst/edgeclassify-scheduler.c",
      "    if (best == NULL || best->want_slots > s->free_slots)\n      break;\n",
      "    if (best == NULL)\n      break;\n",
      "more slots handed out than there are", ["concurrency", "gst-check"]),
    m("max-rate-ignored", "gst/edgeclassify-scheduler.c",
      "      atomic_store (&best->next_due, now + best->interval_us);", "",
      "async max-rate ignored", ["concurrency", "gst-check"]),
    m("newest-loses", "gst/edgeclassify-scheduler.c",
      "  c->pending = !c->freeing;", "  c->pending = !replaced && !c->freeing;",
      "a second submit before a turn is forgotten", ["concurrency", "gst-check"]),
    # ---- edgeoverlay ----
    m("overlay-stale-not-dimmed", "gst/edgeoverlay-draw.c",
      "  gdouble op = res->stale && style->fade_stale ? EDGE_STALE_OPACITY : 1.0;\n"
      "  gint p = pad (d)",
      "  gdouble op = 1.0;\n  gint p = pad (d)",
      "stale panel results drawn at full opacity", GST),
    m("overlay-max-labels", "gst/gstedgeoverlay.c",
      "if (!read_result (roi, full ? cur->max_labels : 1, &res))",
      "if (!read_result (roi, 1, &res))",
      "the panel lists only the top-1", GST),
    m("overlay-position", "gst/gstedgeoverlay.c",
      "left ? margin : fw - margin - w,", "left ? fw - margin - w : margin,",
      "panel in the opposite corner", GST),
]

# Mutants that survive because no test can tell them from the original:
# id -> why (the report prints it next to the survivor).
EQUIVALENT = {}
