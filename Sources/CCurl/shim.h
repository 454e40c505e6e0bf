/* libcurl for outbound webhook POSTs. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
   cannot call, so each argument type Outbound passes gets a non-variadic wrapper here. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef size_t (*stacks_curl_write_callback)(char *data, size_t size, size_t count, void *context);
typedef curl_socket_t (*stacks_curl_opensocket_callback)(
    void *context, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode stacks_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode stacks_curl_set_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode stacks_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode stacks_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode stacks_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode stacks_curl_set_write_function(CURL *handle, stacks_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode stacks_curl_set_opensocket_function(CURL *handle, stacks_curl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

static inline CURLcode stacks_curl_get_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

static inline CURLcode stacks_curl_get_os_errno(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, code);
}

/* CURL_GLOBAL_DEFAULT is a macro built from other macros; this gives Swift a typed name for it. */
static const long stacks_curl_global_default = CURL_GLOBAL_DEFAULT;

/* The socket address inside the curl_sockaddr curl is about to connect to (sized for its family). */
static inline const struct sockaddr *stacks_curl_sockaddr_address(const struct curl_sockaddr *address) {
    return &address->addr;
}
