/* edgeclassify: the outputs of edgereport
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_OUTPUT_H__
#define __EDGEREPORT_OUTPUT_H__

#include <gst/gst.h>

#include "edgereport-props.h"

G_BEGIN_DECLS

/* Where edgereport's records go. Every output is one EdgeOutputClass in a
 * file of its own, listed in edge_outputs[] (edgereport-output.c): its
 * settings struct and property table, and five calls.
 *
 *   open          start(): the element's properties of this output, copied;
 *                 NULL after posting an error on the bus.
 *   write_result  streaming thread, once per record; must not wait on
 *                 the network, nor on the disk beyond one write().
 *   write_event   streaming thread: stream start, end of stream.
 *   close         stop(): flushes what it can and frees what open made
 *                 but the base, which the element frees after reading
 *                 the final counts.
 *   stats         any thread.
 *
 * An output that loses records says so through edge_output_drop(): it
 * counts them (the element's "dropped" is the sum over the outputs) and
 * announces them on the bus. */
typedef struct _EdgeOutput EdgeOutput;
typedef struct _EdgeOutputClass EdgeOutputClass;

/* One report: a JSON object on one line (without its newline) and the
 * key that names it. */
typedef struct {
  const gchar *line;
  gsize len;
  const gchar *run_id;
  const gchar *stream_id; /* NULL before STREAM_START */
  guint64 frame;
  GstBuffer *buffer; /* the frame reported, read only */
} EdgeRecord;

typedef enum {
  EDGE_EVENT_STREAM_START,
  EDGE_EVENT_EOS,
} EdgeEventType;

typedef struct {
  EdgeEventType type;
  const gchar *stream_id;
} EdgeEvent;

typedef struct {
  guint64 written; /* records delivered (file: written; MQTT: sent or
                    * acknowledged, by QoS) */
  guint64 dropped; /* records lost */
  guint64 pending; /* records waiting (in memory or spooled) */
} EdgeOutputStats;

struct _EdgeOutputClass {
  const gchar *name; /* for messages: "file", "MQTT" */
  gsize settings_size;
  const EdgeProp *props;
  guint n_props;
  /* TRUE when @settings ask for this output (e.g. a location is set) */
  gboolean (*wanted) (gconstpointer settings);

  EdgeOutput *(*open) (GstElement *element, gconstpointer settings);
  GstFlowReturn (*write_result) (EdgeOutput *out, const EdgeRecord *record);
  void (*write_event) (EdgeOutput *out, const EdgeEvent *event);
  void (*close) (EdgeOutput *out);
  /* fills written and pending; dropped is the base's */
  void (*stats) (EdgeOutput *out, EdgeOutputStats *stats);
};

/* Losses of one reason: the @why of edge_output_drop() */
typedef struct {
  gchar *why;
  guint64 dropped;
} EdgeDropReason;

/* Distinct reasons counted apart; the losses of any further reason are
 * counted under EDGE_OTHER_REASONS */
#define EDGE_MAX_REASONS 16
#define EDGE_OTHER_REASONS "other reasons"

/* The part every output starts with */
struct _EdgeOutput {
  const EdgeOutputClass *klass;
  GstElement *element; /* not owned */

  GMutex lock; /* of the loss counters */
  guint64 dropped, announced;
  gint64 last_announce;
  gchar *why;              /* of the last loss */
  GArray *reasons;         /* EdgeDropReason: the losses by reason */
  GstStructure *drop_info; /* extra fields for "edgereport-dropped" */
};

/* The outputs, NULL-terminated */
extern const EdgeOutputClass *const edge_outputs[];

/* For open(): allocates @size bytes (at least sizeof (EdgeOutput)) and
 * fills the base. */
gpointer edge_output_new (const EdgeOutputClass *klass, gsize size,
                          GstElement *element);
/* Frees the base (and @out): after close(), or on a failed open() */
void edge_output_free (EdgeOutput *out);

/* Counts @n records lost (any thread, no lock of the output's held) and
 * announces it: a bus warning and an "edgereport-dropped" element message
 * on the first loss, then at most every five seconds while losses go on.
 * @why says why, for people ("the spool was full"). */
void edge_output_drop (EdgeOutput *out, guint64 n, const gchar *why);
/* Announces the losses not announced yet, if any (end of stream, stop) */
void edge_output_announce (EdgeOutput *out);

/* Calls the class's stats() under the base's lock, and adds dropped */
void edge_output_stats (EdgeOutput *out, EdgeOutputStats *stats);

/* The outputs of every running edgereport of the process, for /metrics.
 * start() publishes its outputs (NULL-terminated) once they are all open;
 * stop() withdraws them before it closes any, which waits for a snapshot
 * being taken. */
void edge_outputs_publish (GstElement *element, EdgeOutput **outputs);
void edge_outputs_withdraw (EdgeOutput **outputs);

/* The numbers of one published output */
typedef struct {
  gchar *element;      /* the element's name at start */
  const gchar *output; /* the class's name */
  EdgeOutputStats stats;
  GArray *reasons; /* EdgeDropReason, copied */
} EdgeOutputSnapshot;

/* The numbers of every published output that has stats() (those that
 * deliver records), in the order they were published: a GPtrArray of
 * EdgeOutputSnapshot that frees them. Any thread; takes each output's
 * lock in turn, never an object lock. */
GPtrArray *edge_outputs_snapshot (void);

G_END_DECLS
#endif /* __EDGEREPORT_OUTPUT_H__ */
