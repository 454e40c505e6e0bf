/* deploy/bench.d/responder.c — the FastCGI ceiling of deploy/bench: a libfcgi responder that reads the
 * request's params as a worker does and answers every request with one fixed JSON body the size of a
 * book. deploy/bench builds it (cc -O2 responder.c -lfcgi) and runs it as pools like the real workers. */
#include <fcgiapp.h>

static const char body[] =
    "{\"success\":true,\"data\":{\"id\":42,\"title\":\"Structure and Interpretation of Computer Programs\","
    "\"author\":\"Harold Abelson, Gerald Jay Sussman\",\"isbn\":\"0262510871\",\"year\":1996,\"copies\":5,"
    "\"available_copies\":5,\"available\":true},\"message\":\"OK\"}\n";

int main(void) {
    FCGX_Request request;
    /* FCGX_Init installs libfcgi's SIGUSR1 handler: multiwatch's stop signal ends the loop below. */
    if (FCGX_Init() != 0 || FCGX_InitRequest(&request, 0, 0) != 0) return 1;
    while (FCGX_Accept_r(&request) >= 0) {
        const char *method = FCGX_GetParam("REQUEST_METHOD", request.envp);
        const char *uri = FCGX_GetParam("REQUEST_URI", request.envp);
        if (!method || !uri) {
            FCGX_FPrintF(request.out, "Status: 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        } else {
            FCGX_FPrintF(request.out,
                         "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
                         (int)(sizeof body - 1));
            FCGX_PutStr(body, (int)(sizeof body - 1), request.out);
        }
        FCGX_Finish_r(&request);
    }
    return 0;
}
