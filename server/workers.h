/* workers.h - the pool of threads that run requests which may block
 * (writes wait for the group commit's fsync), so the few HTTP threads
 * never do: they suspend such a connection, hand its request here, and
 * answer it when the worker resumes the connection (http.c). */
#ifndef CST_SERVER_WORKERS_H
#define CST_SERVER_WORKERS_H

typedef struct server_job {
	void (*run)(struct server_job *job);
	struct server_job *next; /* the queue's */
} server_job;

/* Starts n threads. CST_OK, or CST_ERROR when none could start. */
int server_workers_start(unsigned n);
/* Queues a job; one of the threads runs it soon. Refused (-1) once the
 * pool is stopping: the caller must answer the request itself. */
int server_workers_submit(server_job *job);
/* Runs what is still queued, then stops and joins the threads. */
void server_workers_stop(void);

#endif
