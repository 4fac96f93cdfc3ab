/* Shared helpers for the kvmbench N-API addon: argument parsing that throws clear TypeErrors. */
#ifndef KVMBENCH_ADDON_H
#define KVMBENCH_ADDON_H

#include <node_api.h>
#include <stdint.h>

#define NAPI_CALL(env, call)                                                   \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      const napi_extended_error_info *info_ = NULL;                            \
      napi_get_last_error_info((env), &info_);                                \
      bool pending_ = false;                                                   \
      napi_is_exception_pending((env), &pending_);                             \
      if (!pending_)                                                           \
        napi_throw_error((env), "KVMBENCH_NAPI",                               \
                         info_ && info_->error_message ? info_->error_message  \
                                                       : "N-API call failed"); \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

/* Each returns false after throwing a TypeError that names the argument. */
bool arg_int64(napi_env env, napi_value value, const char *name, int64_t *out);
bool arg_address(napi_env env, napi_value value, const char *name, uint64_t *out);
napi_value make_int(napi_env env, int64_t value);
napi_value make_address(napi_env env, uint64_t value);

/* Registration hooks implemented by each source file. */
void register_syscalls(napi_env env, napi_value exports);
void register_c_loop(napi_env env, napi_value exports);
void register_c_lifecycle(napi_env env, napi_value exports);
void register_vcpu_thread(napi_env env, napi_value exports);
void register_irqfd_wake(napi_env env, napi_value exports);
void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
