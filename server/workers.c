/* workers.c - a fixed pool of threads over one FIFO queue of jobs. */
#include "workers.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static server_job *head, *tail;
static int stopping;
static pthread_t *threads;
static unsigned started;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (head == NULL && !stopping)
			pthread_cond_wait(&wake, &lock);
		server_job *job = head;
		if (job == NULL) /* stopping, and nothing left to run */
			break;
		head = job->next;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		job->run(job);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int server_workers_start(unsigned n)
{
	threads = calloc(n ? n : 1, sizeof(*threads));
	if (threads == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&threads[started], NULL, worker, NULL) == 0)
			started++;
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
	if (tail)
		tail->next = job;
	else
		head = job;
	tail = job;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	return 0;
}

void server_workers_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	started = 0;
}
