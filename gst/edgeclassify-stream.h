/* edgeclassify: one stream's requests and results, sync and async
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_STREAM_H__
#define __EDGECLASSIFY_STREAM_H__

#include "edgeclassify-props.h"
#include "edgeclassify-stats.h"

G_BEGIN_DECLS

/* What one element instance classifies, frame after frame, and the newest
 * results it has.
 *
 * sync: the streaming thread waits for its turn on the process's
 * scheduler, classifies the frame's regions and attaches the results.
 * async: the streaming thread preprocesses the frame's regions into a
 * request (three buffers rotate: one being written, the pending one, the
 * one running), hands it to the scheduler (a newer request replaces a
 * pending one) and attaches the newest results it has; a scheduler worker
 * runs the model and publishes results.
 *
 * Results carry the frame number and PTS they were computed on; a frame
 * carries them with their age. A generation number, bumped by
 * ec_stream_reset() (flush, seek, caps change) and by a model swap, marks
 * what belongs together: a request or result of an older generation is
 * dropped, never attached.
 *
 * Threads: ec_stream_process, ec_stream_set_engine and ec_stream_reset
 * from the streaming thread (or with it stopped); ec_stream_last_json,
 * ec_stream_set_flushing and the stats from any thread. */
typedef struct _EcStream EcStream;

/* @element: for messages, errors and the name of the stats. */
EcStream *ec_stream_new (GstElement *element);
/* Cancels a pending request, waits for a running one, frees. */
void ec_stream_free (EcStream *st);

/* Takes @engine (NULL: none): waits for a running inference, drops a
 * pending request and the old engine's results, frees the old engine. */
void ec_stream_set_engine (EcStream *st, EcEngine *engine);
EcEngine *ec_stream_engine (EcStream *st);

/* A new generation: drops the pending request and the results. */
void ec_stream_reset (EcStream *st);
/* While flushing, a sync frame does not wait for its turn. */
void ec_stream_set_flushing (EcStream *st, gboolean flushing);

/* Classifies (or hands over) @buf's regions as @fp says and attaches the
 * newest results. @async: the mode in effect. Adds to @inference_us the
 * time of a sync inference. GST_FLOW_FLUSHING when flushing stopped a sync
 * wait, GST_FLOW_ERROR with @err set when an inference failed (async: the
 * failure of an earlier request). */
GstFlowReturn ec_stream_process (EcStream *st, GstBuffer *buf,
                                 const nn_image *img, const EcFrameProps *fp,
                                 gboolean async, gdouble *inference_us,
                                 EcError *err);

/* The stream id of STREAM_START, for the events. */
void ec_stream_set_stream_id (EcStream *st, const gchar *id);
/* End of stream: every object's decision ends (leave events, pushed
 * downstream before the EOS and posted as @fp says), and the objects are
 * forgotten. */
void ec_stream_eos (EcStream *st, const EcFrameProps *fp);

/* The newest results as JSON (docs/metadata.md), NULL when none. */
gchar *ec_stream_last_json (EcStream *st);
EcStats *ec_stream_stats (EcStream *st);
/* The stats structure (ec_stats_to_structure) plus the process's
 * scheduler: scheduler-slots and scheduler-peak-busy (guint). */
GstStructure *ec_stream_stats_structure (EcStream *st);

G_END_DECLS
#endif /* __EDGECLASSIFY_STREAM_H__ */
