/* Module entry and the argument helpers shared by the addon's source files. */
#include "addon.h"

#include <stdio.h>
#include <string.h>

/* The common case takes one N-API call (no napi_typeof first): these run once per system call, and on
 * a host where each system call leaves user code cold every N-API call in between costs. */
bool arg_int64(napi_env env, napi_value value, const char *name, int64_t *out) {
  double d;
  napi_status status = napi_get_value_double(env, value, &d);
  if (status == napi_ok) {
    if (d == (double)(int64_t)d) {
      *out = (int64_t)d;
      return true;
    }
  } else if (status == napi_number_expected) {
    bool lossless;
    if (napi_get_value_bigint_int64(env, value, out, &lossless) == napi_ok && lossless) return true;
  }
  char message[128];
  snprintf(message, sizeof message, "%s must be an integer", name);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

bool arg_address(napi_env env, napi_value value, const char *name, uint64_t *out) {
  bool lossless;
  if (napi_get_value_bigint_uint64(env, value, out, &lossless) == napi_ok && lossless) return true;
  char message[128];
  snprintf(message, sizeof message, "%s must be a bigint address", name);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

napi_value make_int(napi_env env, int64_t value) {
  napi_value result;
  napi_create_int64(env, value, &result);
  return result;
}

napi_value make_address(napi_env env, uint64_t value) {
  napi_value result;
  napi_create_bigint_uint64(env, value, &result);
  return result;
}

void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, strlen(name), cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  register_syscalls(env, exports);
  register_c_loop(env, exports);
  register_c_lifecycle(env, exports);
  register_vcpu_thread(env, exports);
  register_irqfd_wake(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
