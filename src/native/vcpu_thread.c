/* A vCPU on a C thread of its own: the thread calls KVM_RUN (always from the same thread), checks that
 * each exit is an OUT of one byte to the expected port, and pushes (port, data, time) into a
 * single-producer/single-consumer ring. JS is woken through a thread-safe function only when it is not
 * awake already, so one wake-up may hand over many exits; JS drains the ring on its own thread and
 * checks every data byte. OUT exits need no reply, so the vCPU thread does not wait for JS unless the
 * ring is full (then it waits, bounded, on a condition variable).
 *
 * Wake-up protocol (no lost wake-up): the producer publishes head, then exchanges `awake` to 1 and
 * calls JS only if it was 0. The consumer, on finding the ring empty, stores `awake` = 0, then looks at
 * head (and `finished`) again; both sides use sequentially consistent atomics, so at least one of them
 * sees the other's write. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "addon.h"
#include "exit_check.h"

struct slot {
  uint64_t pushed_ns;
  uint16_t port;
  uint8_t data;
};

struct vcpu_thread {
  /* Set before the thread starts; read-only after. */
  int fd;
  struct kvm_run *run;
  uint16_t port;
  uint64_t iterations;
  uint64_t capacity; /* a power of two */
  uint64_t wait_ns;  /* bound on a wait for room in the ring, and on the join */
  struct slot *ring;
  napi_threadsafe_function wake;

  _Atomic uint64_t head; /* written by the vCPU thread */
  _Atomic uint64_t tail; /* written by JS */
  _Atomic int awake;     /* JS was woken and has not yet found the ring empty */
  _Atomic int finished;  /* the vCPU thread left its loop (all iterations, a failure or a stop) */
  _Atomic int stop;      /* JS asks the vCPU thread to stop */
  _Atomic int producer_waiting;
  pthread_mutex_t lock;
  pthread_cond_t not_full;
  pthread_t thread;
  bool joined;

  /* Written by the vCPU thread; JS reads them after the join. */
  uint64_t exits, wake_ups, eintr, full_waits;
  double kvm_run_ns;
  char error[256];

  /* Written by JS only. */
  double hand_off_ns;
  int refs; /* the JS handle and the thread-safe function: freed when both are gone */
};

/* The least time a stop waits for the join: STOP_GRACE_MS in src/vmm/types.ts. */
#define JOIN_GRACE_NS (10000ull * 1000000ull)

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec timespec_at(uint64_t ns) {
  return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
}

static void release(struct vcpu_thread *t) {
  if (--t->refs > 0) return;
  pthread_mutex_destroy(&t->lock);
  pthread_cond_destroy(&t->not_full);
  free(t->ring);
  free(t);
}

/* Wakes JS unless it is awake already; counts the wake-ups that hand over exits. */
static void wake_js(struct vcpu_thread *t, bool with_exits) {
  if (atomic_exchange(&t->awake, 1)) return;
  if (with_exits) t->wake_ups++;
  napi_call_threadsafe_function(t->wake, NULL, napi_tsfn_nonblocking);
}

/* Waits, bounded, until the ring has room; false on a stop or when JS did not drain in time. */
static bool wait_for_room(struct vcpu_thread *t, uint64_t head) {
  if (head - atomic_load(&t->tail) < t->capacity) return true;
  t->full_waits++;
  uint64_t deadline = now_ns() + t->wait_ns;
  struct timespec until = timespec_at(deadline);
  bool room = true;
  pthread_mutex_lock(&t->lock);
  atomic_store(&t->producer_waiting, 1);
  while (head - atomic_load(&t->tail) >= t->capacity && !atomic_load(&t->stop)) {
    if (now_ns() >= deadline) {
      snprintf(t->error, sizeof t->error,
               "exit %llu: the ring of %llu exits stayed full for %.0f ms: JS did not drain it",
               (unsigned long long)t->exits, (unsigned long long)t->capacity, (double)t->wait_ns / 1e6);
      room = false;
      break;
    }
    pthread_cond_timedwait(&t->not_full, &t->lock, &until);
  }
  atomic_store(&t->producer_waiting, 0);
  pthread_mutex_unlock(&t->lock);
  return room && !atomic_load(&t->stop);
}

/* One KVM_RUN and its check; false (with t->error set) when the exit is not the expected OUT. */
static bool run_once(struct vcpu_thread *t, bool *interrupted) {
  uint64_t start = now_ns();
  int ret = ioctl(t->fd, KVM_RUN, 0);
  int err = errno;
  uint64_t end = now_ns();
  *interrupted = ret < 0 && err == EINTR;
  if (*interrupted) {
    t->eintr++;
    return true;
  }
  t->kvm_run_ns += (double)(end - start);
  if (ret < 0) {
    snprintf(t->error, sizeof t->error, "exit %llu: KVM_RUN failed: %s", (unsigned long long)t->exits,
             strerror(err));
    return false;
  }
  if (!is_pio(t->run, KVM_EXIT_IO_OUT, t->port)) {
    char got[160];
    describe_exit(t->run, got, sizeof got);
    snprintf(t->error, sizeof t->error, "exit %llu: expected KVM_EXIT_IO out port 0x%x size 1 count 1, got %s",
             (unsigned long long)t->exits, t->port, got);
    return false;
  }
  return true;
}

static void *vcpu_main(void *arg) {
  struct vcpu_thread *t = arg;
  pthread_setname_np(pthread_self(), "kvmbench-vcpu"); /* seen in /proc/<pid>/task/<tid>/comm, perf, top -H */
  /* Signals sent to the process go to the JS thread, whose runtime handles them; faults stay here. */
  sigset_t blocked;
  sigfillset(&blocked);
  sigdelset(&blocked, SIGSEGV);
  sigdelset(&blocked, SIGBUS);
  sigdelset(&blocked, SIGFPE);
  sigdelset(&blocked, SIGILL);
  pthread_sigmask(SIG_BLOCK, &blocked, NULL);
  while (t->exits < t->iterations && !atomic_load(&t->stop)) {
    bool interrupted;
    if (!run_once(t, &interrupted)) break;
    if (interrupted) continue; /* a signal or the stop's immediate_exit: the loop condition decides */
    uint64_t head = atomic_load_explicit(&t->head, memory_order_relaxed);
    if (!wait_for_room(t, head)) break;
    struct slot *slot = &t->ring[head & (t->capacity - 1)];
    slot->port = t->run->io.port;
    slot->data = *io_data(t->run);
    slot->pushed_ns = now_ns();
    atomic_store(&t->head, head + 1);
    t->exits++;
    wake_js(t, true);
  }
  atomic_store(&t->finished, 1);
  wake_js(t, false); /* JS learns the thread is done, unless it is awake and will see it when the ring is empty */
  napi_release_threadsafe_function(t->wake, napi_tsfn_release);
  return NULL;
}

/* Runs on the JS thread for each wake-up: calls the JS callback with no arguments. */
static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  if (env == NULL || callback == NULL) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 0, NULL, NULL);
}

/* Joins with a bound; false when the thread did not stop in time (it is then left running). */
static bool join(struct vcpu_thread *t, uint64_t wait_ns) {
  if (t->joined) return true;
  if (wait_ns < JOIN_GRACE_NS) wait_ns = JOIN_GRACE_NS;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until); /* pthread_timedjoin_np takes CLOCK_REALTIME */
  uint64_t at = (uint64_t)until.tv_sec * 1000000000u + (uint64_t)until.tv_nsec + wait_ns;
  until = timespec_at(at);
  if (pthread_timedjoin_np(t->thread, NULL, &until) != 0) return false;
  t->joined = true;
  return true;
}

/* Asks the thread to stop: the flag, immediate_exit for a KVM_RUN about to start, and a signal for a
 * wait for room. */
static void ask_to_stop(struct vcpu_thread *t) {
  atomic_store(&t->stop, 1);
  if (!atomic_load(&t->finished)) t->run->immediate_exit = 1;
  pthread_mutex_lock(&t->lock);
  pthread_cond_signal(&t->not_full);
  pthread_mutex_unlock(&t->lock);
}

/* The thread-safe function is gone: the vCPU thread released it (it has left its loop), or the
 * environment is being torn down (the thread may still run: it is asked to stop first). */
static void finalize_wake(napi_env env, void *data, void *hint) {
  struct vcpu_thread *t = data;
  if (!t->joined) ask_to_stop(t);
  join(t, t->wait_ns);
  release(t);
}

static void finalize_handle(napi_env env, void *data, void *hint) { release(data); }

static struct vcpu_thread *handle_of(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "handle must be what vcpuThreadStart returned");
    return NULL;
  }
  return data;
}

static struct vcpu_thread *new_state(int64_t fd, uint64_t run_address, int64_t port, int64_t iterations,
                                     int64_t capacity, int64_t wait_ms) {
  struct vcpu_thread *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->ring = calloc((size_t)capacity, sizeof *t->ring);
  if (t->ring == NULL) {
    free(t);
    return NULL;
  }
  t->fd = (int)fd;
  t->run = (struct kvm_run *)(uintptr_t)run_address;
  t->port = (uint16_t)port;
  t->iterations = (uint64_t)iterations;
  t->capacity = (uint64_t)capacity;
  t->wait_ns = (uint64_t)wait_ms * 1000000u;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&t->not_full, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&t->lock, NULL);
  return t;
}

/* vcpuThreadStart(fd, runAddress, port, iterations, capacity, waitMs, onWake) -> handle */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t fd, port, iterations, capacity, wait_ms;
  uint64_t run_address;
  if (argc < 7) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS",
                          "vcpuThreadStart(fd, runAddress, port, iterations, capacity, waitMs, onWake)");
    return NULL;
  }
  if (!arg_int64(env, argv[0], "fd", &fd) || !arg_address(env, argv[1], "runAddress", &run_address) ||
      !arg_int64(env, argv[2], "port", &port) || !arg_int64(env, argv[3], "iterations", &iterations) ||
      !arg_int64(env, argv[4], "capacity", &capacity) || !arg_int64(env, argv[5], "waitMs", &wait_ms))
    return NULL;
  if (capacity < 1 || (capacity & (capacity - 1)) != 0 || iterations < 0 || wait_ms < 1) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "vcpuThreadStart: capacity must be a power of two, iterations >= 0, waitMs >= 1");
    return NULL;
  }
  struct vcpu_thread *t = new_state(fd, run_address, port, iterations, capacity, wait_ms);
  if (t == NULL) {
    napi_throw_error(env, "ENOMEM", "vcpuThreadStart: out of memory");
    return NULL;
  }
  /* The handle first (one reference), then the thread-safe function (the second): a failure at either
   * step leaves only references whose finalizers free the state. */
  napi_value name, handle;
  t->refs = 1;
  t->joined = true; /* until the thread exists, there is nothing to join */
  if (napi_create_external(env, t, finalize_handle, NULL, &handle) != napi_ok) {
    release(t);
    napi_throw_error(env, "KVMBENCH_NAPI", "vcpuThreadStart: napi_create_external failed");
    return NULL;
  }
  napi_create_string_utf8(env, "kvmbench vCPU thread", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[6], NULL, name, 0, 1, t, finalize_wake, NULL, call_js,
                                      &t->wake) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "vcpuThreadStart: onWake must be a function");
    return NULL;
  }
  t->refs = 2;
  int err = pthread_create(&t->thread, NULL, vcpu_main, t);
  if (err != 0) {
    napi_release_threadsafe_function(t->wake, napi_tsfn_release);
    char message[128];
    snprintf(message, sizeof message, "vcpuThreadStart: pthread_create failed: %s", strerror(err));
    napi_throw_error(env, "KVMBENCH_THREAD", message);
    return NULL;
  }
  t->joined = false;
  return handle;
}

/* How many exits to take from the ring now; on an empty ring, JS goes to sleep (awake = 0) unless the
 * producer pushed or finished meanwhile. -1: the thread has finished and the ring is empty. */
static int64_t available(struct vcpu_thread *t, uint64_t tail) {
  uint64_t head = atomic_load(&t->head);
  if (head != tail) return (int64_t)(head - tail);
  atomic_store(&t->awake, 0);
  int finished = atomic_load(&t->finished);
  head = atomic_load(&t->head);
  if (head == tail && !finished) return 0;
  if (atomic_exchange(&t->awake, 1)) return 0; /* the producer woke JS again: that call drains */
  return head == tail ? -1 : (int64_t)(head - tail);
}

/* vcpuThreadDrain(handle, data: Uint8Array, ports: Uint16Array) -> n taken (0: asleep, -1: finished) */
static napi_value js_drain(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct vcpu_thread *t = argc == 3 ? handle_of(env, argv[0]) : NULL;
  if (t == NULL) return NULL;
  napi_typedarray_type type_data, type_ports;
  size_t length, port_length, offset;
  void *data, *ports;
  napi_value buffer;
  if (napi_get_typedarray_info(env, argv[1], &type_data, &length, &data, &buffer, &offset) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type_ports, &port_length, &ports, &buffer, &offset) != napi_ok ||
      type_data != napi_uint8_array || type_ports != napi_uint16_array || port_length < length) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "vcpuThreadDrain(handle, Uint8Array, Uint16Array)");
    return NULL;
  }
  uint64_t now = now_ns();
  uint64_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
  int64_t n = available(t, tail);
  if (n > (int64_t)length) n = (int64_t)length;
  for (int64_t i = 0; i < n; i++) {
    const struct slot *slot = &t->ring[(tail + (uint64_t)i) & (t->capacity - 1)];
    ((uint8_t *)data)[i] = slot->data;
    ((uint16_t *)ports)[i] = slot->port;
    t->hand_off_ns += (double)(now - slot->pushed_ns);
  }
  if (n > 0) {
    atomic_store(&t->tail, tail + (uint64_t)n);
    if (atomic_load(&t->producer_waiting)) {
      pthread_mutex_lock(&t->lock);
      pthread_cond_signal(&t->not_full);
      pthread_mutex_unlock(&t->lock);
    }
  }
  return make_int(env, n);
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value number;
  napi_create_double(env, value, &number);
  napi_set_named_property(env, object, name, number);
}

/* vcpuThreadStop(handle) -> { exits, wakeUps, eintr, fullWaits, kvmRunNs, handOffNs, error? }: asks the
 * thread to stop (immediate_exit makes a KVM_RUN about to start return at once), wakes it if it waits
 * for room, and joins it, bounded. Safe to call again. */
static napi_value js_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct vcpu_thread *t = argc == 1 ? handle_of(env, argv[0]) : NULL;
  if (t == NULL) return NULL;
  if (!t->joined) ask_to_stop(t);
  if (!join(t, t->wait_ns)) {
    char message[160];
    snprintf(message, sizeof message, "the vCPU thread did not stop within %.0f ms (stuck in KVM_RUN?)",
             (double)(t->wait_ns > JOIN_GRACE_NS ? t->wait_ns : JOIN_GRACE_NS) / 1e6);
    napi_throw_error(env, "KVMBENCH_THREAD_STUCK", message);
    return NULL;
  }
  napi_value result;
  NAPI_CALL(env, napi_create_object(env, &result));
  set_number(env, result, "exits", (double)t->exits);
  set_number(env, result, "wakeUps", (double)t->wake_ups);
  set_number(env, result, "eintr", (double)t->eintr);
  set_number(env, result, "fullWaits", (double)t->full_waits);
  set_number(env, result, "kvmRunNs", t->kvm_run_ns);
  set_number(env, result, "handOffNs", t->hand_off_ns);
  if (t->error[0]) {
    napi_value error;
    napi_create_string_utf8(env, t->error, NAPI_AUTO_LENGTH, &error);
    napi_set_named_property(env, result, "error", error);
  }
  return result;
}

void register_vcpu_thread(napi_env env, napi_value exports) {
  export_function(env, exports, "vcpuThreadStart", js_start);
  export_function(env, exports, "vcpuThreadDrain", js_drain);
  export_function(env, exports, "vcpuThreadStop", js_stop);
}
