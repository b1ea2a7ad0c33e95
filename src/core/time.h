/* Clocks. Monotonic for durations, wall clock for logs and `created` timestamps. */
#ifndef SY_CORE_TIME_H
#define SY_CORE_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t sy_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline int64_t sy_wall_unix(void)
{
    return (int64_t)time(NULL);
}

#endif
