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

namespace {

using v8::ArrayBuffer;
using v8::BackingStore;
using v8::BigInt;
using v8::Context;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::String;
using v8::Value;

void ThrowTypeError(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// address: a bigint; length: a non-negative safe integer. Throws a TypeError naming the call otherwise.
bool AddressAndLength(const FunctionCallbackInfo<Value>& args, const char* usage, void** address, size_t* length) {
  Isolate* isolate = args.GetIsolate();
  bool lossless = false;
  if (args.Length() < 2 || !args[0]->IsBigInt() || !args[1]->IsNumber()) {
    ThrowTypeError(isolate, usage);
    return false;
  }
  uint64_t value = args[0].As<BigInt>()->Uint64Value(&lossless);
  double bytes = args[1].As<v8::Number>()->Value();
  if (!lossless || !(bytes >= 0 && bytes <= 9007199254740991.0) || bytes != static_cast<double>(static_cast<uint64_t>(bytes))) {
    ThrowTypeError(isolate, usage);
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
  if (!AddressAndLength(args, "view(address: bigint, length: number)", &address, &length)) return;
  std::unique_ptr<BackingStore> store =
      ArrayBuffer::NewBackingStore(address, length, BackingStore::EmptyDeleter, nullptr);
  args.GetReturnValue().Set(ArrayBuffer::New(args.GetIsolate(), std::move(store)));
}

// munmap(address, length, view): detaches the view (later reads see zero bytes instead of unmapped
// memory), then unmaps, in one call. Returns 0 or -errno.
void Munmap(const FunctionCallbackInfo<Value>& args) {
  void* address;
  size_t length;
  const char* usage = "munmap(address: bigint, length: number, view: ArrayBuffer)";
  if (!AddressAndLength(args, usage, &address, &length)) return;
  if (args.Length() < 3 || !args[2]->IsArrayBuffer()) {
    ThrowTypeError(args.GetIsolate(), usage);
    return;
  }
  Local<ArrayBuffer> view = args[2].As<ArrayBuffer>();
  if (view->IsDetachable() && view->Detach(Local<Value>()).IsNothing()) return;  // V8 threw
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
