/* Echo server with one process per client (the labs' concurrent server in C): the parent,
 * the veilleur, only accepts; each connection is served by a child, an exécutant, with
 * read() and write(), as C programs of the labs do.
 * Usage: fork_echo_server PORT CLIENTS. The first line on stdout gives the port; the parent
 * exits once CLIENTS children have ended. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void serve(int c) {
    char buf[1024];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(c, buf + off, n - off);
            if (w < 0) {
                perror("write");
                exit(1);
            }
            off += w;
        }
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7777;
    int clients = argc > 2 ? atoi(argv[2]) : 1;
    /* SIGCHLD stays blocked: the children are reaped with waitpid below, and a child's end
     * never interrupts the parent's accept (which would show as ERESTARTSYS). */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    listen(s, 5);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("listening on %d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (int i = 0; i < clients; i++) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        int c = accept(s, (struct sockaddr *)&peer, &plen);
        if (c < 0) {
            perror("accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(s); /* the child: the exécutant does not accept */
            serve(c);
            close(c);
            _exit(0);
        }
        close(c); /* the parent: the child owns the connection now */
    }
    close(s);
    for (int i = 0; i < clients; i++)
        wait(NULL);
    return 0;
}
