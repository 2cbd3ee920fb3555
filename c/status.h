// status.h — errors are values: every fallible call returns a Status whose
// message names the field or file and what is allowed.
#ifndef NORMSCOPE_STATUS_H
#define NORMSCOPE_STATUS_H

typedef struct {
    int ok;
    char message[256];
} Status;

Status status_ok(void);
Status status_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
