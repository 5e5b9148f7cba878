/* edgeclassify: edgereport's on-disk spool
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_SPOOL_H__
#define __EDGEREPORT_SPOOL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* A first-in first-out log of records (lines without a newline) in a
 * folder, kept across crashes and restarts:
 *
 *   lock                  held (flock) while open: one user at a time
 *   <20 digits>.jsonl     segments, appended to only, one record a line
 *   acked                 "SEGMENT OFFSET": what lies before is delivered
 *   id                    12 random hex digits, made at the first open
 *
 * A record is appended with one write() (a failed one is cut back), read
 * from a cursor, and acknowledged in order once delivered; a segment is
 * removed when everything in it is acknowledged. On open, a last line
 * without its newline (cut by a power loss) is removed and reading starts
 * at the acknowledged offset, so what was delivered but not yet noted in
 * "acked" comes again (at least once).
 *
 * Durability: the segment is fdatasync()ed at most once a second while
 * records come in, and "acked" is replaced (write, rename) at most four
 * times a second, both without waiting for anyone else; a killed process
 * loses nothing it had appended, a power loss up to the last second.
 *
 * Not thread-safe: one thread (the MQTT publisher's) makes every call. */
typedef struct _EdgeSpool EdgeSpool;

/* Where a record ends: what edge_spool_ack() takes */
typedef struct {
  guint64 segment;
  guint64 offset;
} EdgeSpoolPos;

typedef enum {
  EDGE_SPOOL_OK,
  EDGE_SPOOL_FULL,  /* past @max_bytes: not appended */
  EDGE_SPOOL_ERROR, /* the write failed: not appended */
} EdgeSpoolResult;

/* Opens (creating it if needed) the spool in @dir, holding at most
 * @max_bytes of records waiting. Errors are GST_RESOURCE_ERROR with a
 * message for people. */
EdgeSpool *edge_spool_open (const gchar *dir, guint64 max_bytes,
                            GError **error);

/* Syncs and closes; what is not acknowledged stays for the next open. */
void edge_spool_close (EdgeSpool *spool);

EdgeSpoolResult edge_spool_append (EdgeSpool *spool, const gchar *data,
                                   gsize len, GError **error);

/* The next record after the read cursor (NULL if none), and where it
 * ends; moves the cursor past it. */
GBytes *edge_spool_read (EdgeSpool *spool, EdgeSpoolPos *end);

/* Moves the read cursor back to the oldest record not acknowledged. */
void edge_spool_rewind (EdgeSpool *spool);

/* The oldest record not yet acknowledged, ending at @end, is delivered. */
void edge_spool_ack (EdgeSpool *spool, const EdgeSpoolPos *end);

/* Applies the durability policy above (@force: now). */
void edge_spool_sync (EdgeSpool *spool, gboolean force);

/* Records, and bytes of records, not yet acknowledged */
guint64 edge_spool_records (EdgeSpool *spool);
guint64 edge_spool_bytes (EdgeSpool *spool);

/* Records found waiting when the spool was opened */
guint64 edge_spool_recovered (EdgeSpool *spool);

/* The spool's own identifier (12 lowercase hex digits): random, made when
 * the folder is first used and kept in it, so it names this folder, and
 * no other one, across restarts (the MQTT client id is made from it). */
const gchar *edge_spool_id (EdgeSpool *spool);

G_END_DECLS
#endif /* __EDGEREPORT_SPOOL_H__ */
