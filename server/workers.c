/* workers.c - a fixed pool of threads: a job goes straight to an idle
 * thread, or waits in a FIFO queue until one is free. */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "core/error.h"

/* A thread of the pool. An idle one sleeps on its own semaphore, and a
 * submitter hands it the job directly and posts it after letting the lock
 * go: with one condition variable under the lock, every woken thread first
 * waited for the lock its waker held. Idle threads are a stack, so the
 * one that finished last (its caches warm) runs the next job. */
typedef struct worker {
	pthread_t thread;
	sem_t wake;
	server_job *job; /* handed over by a submitter; NULL: stop */
	struct worker *next_idle;
} worker;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static server_job *head, *tail; /* jobs queued while no thread was idle */
static worker *idle;
static int stopping;
static worker *pool;
static unsigned started;

/* The next job: a queued one, else one handed over after sleeping idle.
 * NULL once the pool stops. */
static server_job *next_job(worker *me)
{
	pthread_mutex_lock(&lock);
	server_job *job = head;
	if (job != NULL) {
		head = job->next;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		return job;
	}
	if (stopping) {
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	me->job = NULL;
	me->next_idle = idle;
	idle = me;
	pthread_mutex_unlock(&lock);
	while (sem_wait(&me->wake) != 0 && errno == EINTR)
		;
	return me->job;
}

static void *run_worker(void *arg)
{
	worker *me = arg;
	server_job *job;
	while ((job = next_job(me)) != NULL)
		job->run(job);
	return NULL;
}

int server_workers_start(unsigned n)
{
	pool = calloc(n ? n : 1, sizeof(*pool));
	if (pool == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		worker *w = &pool[started];
		if (sem_init(&w->wake, 0, 0) != 0)
			break;
		if (pthread_create(&w->thread, NULL, run_worker, w) != 0) {
			sem_destroy(&w->wake);
			break;
		}
		started++;
	}
	return started ? CST_OK : cst_fail(CST_ERROR, "cannot start worker threads");
}

int server_workers_submit(server_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&lock);
	if (stopping || started == 0) { /* the pool is gone: the caller runs it */
		pthread_mutex_unlock(&lock);
		return -1;
	}
	worker *w = idle;
	if (w != NULL) {
		idle = w->next_idle;
		w->job = job;
	} else if (tail) {
		tail->next = job;
		tail = job;
	} else {
		head = tail = job;
	}
	pthread_mutex_unlock(&lock);
	if (w != NULL)
		sem_post(&w->wake);
	return 0;
}

void server_workers_stop(void)
{
	/* Busy threads run what is queued before they look at stopping;
	 * idle ones (nothing is queued while any is idle) are posted with no
	 * job, which stops them. */
	pthread_mutex_lock(&lock);
	stopping = 1;
	worker *w = idle;
	idle = NULL;
	pthread_mutex_unlock(&lock);
	for (worker *next; w != NULL; w = next) {
		next = w->next_idle;
		sem_post(&w->wake);
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(pool[i].thread, NULL);
		sem_destroy(&pool[i].wake);
	}
	free(pool);
	pool = NULL;
	started = 0;
}
