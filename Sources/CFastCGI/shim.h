/* libfcgi's request-level API (fcgiapp.h): the accept loop and the request streams. */
#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

/* ppoll(2), which <poll.h> declares only under _GNU_SOURCE (Swift's Glibc module is built without
   it): the worker's listener waits with the stop signals let in atomically. */
int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
