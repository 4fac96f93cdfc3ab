// Views over mapped memory for the napi binding, made with V8's own ArrayBuffer API.
//
// N-API's napi_create_external_arraybuffer makes a whole Node Buffer: a finalizer object, a tracked
// cleanup hook, a weak handle and a prototype change (Node 20 and 22). Over a vCPU's kvm_run page,
// made once per vCPU right after a system call, that costs 6-10 us on a PVM host; an ArrayBuffer
// over a BackingStore with an empty deleter costs 2-3 us. Every system call of the napi binding
// still goes through the N-API addon (kvmbench.node); only the view, and the detach that must come
// before its munmap, come from here. This module is C++ and built for the running Node (node-gyp),
// like any addon that uses V8's API.
#include <node.h>
#include <sys/mman.h>
#include <v8.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <utility>

namespace {

using v8::ArrayBuffer;
using v8::BackingStore;
using v8::BigInt;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::String;
using v8::Value;

void ThrowTypeError(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// args[0] a bigint address, not 0; args[1] a whole number of bytes. Throws a TypeError naming the
// call and the argument otherwise.
bool AddressAndLength(const FunctionCallbackInfo<Value>& args, const char* call, void** address, size_t* length) {
  Isolate* isolate = args.GetIsolate();
  char message[160];
  bool lossless = false;
  uint64_t value = args.Length() > 0 && args[0]->IsBigInt() ? args[0].As<BigInt>()->Uint64Value(&lossless) : 0;
  if (!lossless || value == 0) {
    snprintf(message, sizeof message, "%s: address must be a non-zero bigint (a mapping's address)", call);
    ThrowTypeError(isolate, message);
    return false;
  }
  double bytes = args.Length() > 1 && args[1]->IsNumber() ? args[1].As<v8::Number>()->Value() : -1;
  if (!(bytes >= 0 && bytes <= 9007199254740991.0) || bytes != static_cast<double>(static_cast<uint64_t>(bytes))) {
    snprintf(message, sizeof message, "%s: length must be a whole number of bytes", call);
    ThrowTypeError(isolate, message);
    return false;
  }
  *address = reinterpret_cast<void*>(static_cast<uintptr_t>(value));
  *length = static_cast<size_t>(bytes);
  return true;
}

// view(address, length): an ArrayBuffer over the bytes; the mapping, not V8, owns them.
void View(const FunctionCallbackInfo<Value>& args) {
  void* address;
  size_t length;
  if (!AddressAndLength(args, "view", &address, &length)) return;
  std::unique_ptr<BackingStore> store =
      ArrayBuffer::NewBackingStore(address, length, BackingStore::EmptyDeleter, nullptr);
  args.GetReturnValue().Set(ArrayBuffer::New(args.GetIsolate(), std::move(store)));
}

// munmap(address, length, view): detaches the view made over exactly that range (later reads see zero
// bytes instead of unmapped memory), then unmaps, in one call. Returns 0 or -errno. A view of another
// range, or one V8 will not detach, is refused before anything is unmapped: it would outlive the
// memory it reads.
void Munmap(const FunctionCallbackInfo<Value>& args) {
  void* address;
  size_t length;
  if (!AddressAndLength(args, "munmap", &address, &length)) return;
  if (args.Length() < 3 || !args[2]->IsArrayBuffer()) {
    ThrowTypeError(args.GetIsolate(), "munmap: view must be the ArrayBuffer view() made over this mapping");
    return;
  }
  Local<ArrayBuffer> view = args[2].As<ArrayBuffer>();
  if (!view->WasDetached()) {
    if (!view->IsDetachable() || view->Data() != address || view->ByteLength() != length) {
      ThrowTypeError(args.GetIsolate(), "munmap: view must be the ArrayBuffer view() made over this mapping");
      return;
    }
    if (view->Detach(Local<Value>()).IsNothing()) return;  // V8 threw
  }
  int ret = munmap(address, length);
  args.GetReturnValue().Set(ret < 0 ? -errno : ret);
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = context->GetIsolate();
  Local<Object> target = exports;
  auto add = [&](const char* name, v8::FunctionCallback callback) {
    Local<String> key = String::NewFromUtf8(isolate, name).ToLocalChecked();
    Local<v8::Function> fn = v8::Function::New(context, callback).ToLocalChecked();
    fn->SetName(key);
    target->Set(context, key, fn).Check();
  };
  add("view", View);
  add("munmap", Munmap);
}
