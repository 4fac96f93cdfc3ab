{
  "targets": [
    {
      "target_name": "kvmbench",
      "sources": ["addon.c", "syscalls.c", "c_loop.c", "c_lifecycle.c", "vcpu_thread.c", "timed_run.c", "irqfd_wake.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"]
    },
    {
      "target_name": "kvmbench_views",
      "sources": ["views.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"]
    }
  ]
}
