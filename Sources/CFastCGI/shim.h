/* libfcgi's request-level API (fcgiapp.h): the accept loop and the request streams. */
#include <fcgiapp.h>
