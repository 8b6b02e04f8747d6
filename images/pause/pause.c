/*
 * podlab's pause: the only process of a pod's sandbox container. It holds the pod's namespaces open,
 * reaps orphaned children (it is PID 1 of the pod when the PID namespace is shared), and exits
 * cleanly on SIGINT or SIGTERM, as Kubernetes' pause container does.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_shutdown(int signo) {
  fprintf(stderr, "pause: %s, exiting\n", strsignal(signo));
  exit(0);
}

static void on_child(int signo) {
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("podlab pause 0.1");
    return 0;
  }
  if (getpid() != 1) fprintf(stderr, "pause: not PID 1, so orphans of the pod are not reaped here\n");
  struct sigaction shutdown = {.sa_handler = on_shutdown};
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  if (sigaction(SIGINT, &shutdown, NULL) || sigaction(SIGTERM, &shutdown, NULL) || sigaction(SIGCHLD, &child, NULL)) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
}
