/* edgeclassify: one inference scheduler for the whole process
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_SCHEDULER_H__
#define __EDGECLASSIFY_SCHEDULER_H__

#include <glib.h>

G_BEGIN_DECLS

/* Every edgeclassify instance of the process runs its inferences through
 * one scheduler, so that together they never run more inference threads
 * than the machine has cores, and share them fairly.
 *
 * Slots: as many as cores. An inference that uses T threads holds T slots
 * while it runs. A client (one element instance) runs one inference at a
 * time.
 *
 * Two ways in:
 *  - async: the client says it has a request (ec_client_submit); when the
 *    scheduler picks it, one of its worker threads (as many as slots,
 *    created with the first client, below the streaming threads' priority)
 *    calls the client's run function. A request submitted while an earlier
 *    one still waits replaces it (the client keeps the newest data).
 *  - sync: the calling thread waits for its slots (ec_client_acquire),
 *    runs the inference itself and gives them back (ec_client_release).
 *
 * Choosing: among clients that wait, are due (max-rate) and whose slots are
 * free, the one with the smallest virtual time, which grows by 1/priority
 * at each inference it gets: under overload each client gets inferences in
 * proportion to its priority. A client that was idle starts level with the
 * others (it does not save up credit). When the chosen client needs more
 * slots than are free, nobody else is started before it, so a two-thread
 * client is not starved by one-thread ones. */
typedef struct _EcScheduler EcScheduler;
typedef struct _EcClient EcClient;

/* Runs the client's newest request, in a scheduler worker thread.
 * @queued_us: how long the request waited since its submission. */
typedef void (*EcRunFunc) (gpointer user_data, gint64 queued_us);

/* The process's scheduler, created on first use with one slot per core
 * (EDGECLASSIFY_SLOTS in the environment overrides the count, for tests).
 * Reference counted: the workers stop when the last reference goes. */
EcScheduler *ec_scheduler_get (void);
void ec_scheduler_unref (EcScheduler *s);
guint ec_scheduler_slots (EcScheduler *s);
/* Most slots ever held at once (tests: never more than ec_scheduler_slots). */
guint ec_scheduler_peak_busy (EcScheduler *s);

/* For a session's own helper threads (threads > 1), as nn's thread_init
 * (@unused is ignored): names the calling thread "ec-helper" and lowers it
 * below the streaming threads, as the scheduler's workers are, so that no
 * inference thread preempts a thread that moves frames. */
void ec_scheduler_helper_init (void *unused);

/* A client named @name (for debugging). @run is called for async requests
 * with @user_data. Takes a reference on @s. */
EcClient *ec_client_new (EcScheduler *s, const gchar *name, EcRunFunc run,
                         gpointer user_data);
/* Cancels a waiting request, waits for a running one, frees. */
void ec_client_free (EcClient *c);

/* @threads: threads per inference (slots held; at least 1, at most the
 * slot count); @priority > 0: share under overload; @max_rate: most
 * inferences a second, 0 for no limit. Applies from the next choice. */
void ec_client_configure (EcClient *c, guint threads, gdouble priority,
                          gdouble max_rate);

/* async. Marks that the client has a (new) request. Returns TRUE when it
 * replaced one that had not started. */
gboolean ec_client_submit (EcClient *c);
/* Drops a request that has not started, then waits until the client has
 * no inference running. Returns TRUE when a request was dropped. */
gboolean ec_client_cancel (EcClient *c);
/* Drops a request that has not started; does not wait for a running one. */
gboolean ec_client_unsubmit (EcClient *c);

/* sync. Waits for the client's turn and its slots; FALSE (no slots held)
 * when the client is flushing. */
gboolean ec_client_acquire (EcClient *c);
void ec_client_release (EcClient *c);
/* While flushing, ec_client_acquire returns FALSE at once (and a thread
 * waiting in it wakes up), as a streaming thread must during a flush. */
void ec_client_set_flushing (EcClient *c, gboolean flushing);

/* Inferences the client got (async and sync). */
guint64 ec_client_runs (EcClient *c);
/* When max-rate next lets the client run (monotonic µs, 0: no wait).
 * Reads no lock: the streaming thread asks it every frame. */
gint64 ec_client_next_due (EcClient *c);
/* The scheduler the client belongs to. */
EcScheduler *ec_client_scheduler (EcClient *c);

G_END_DECLS
#endif /* __EDGECLASSIFY_SCHEDULER_H__ */
