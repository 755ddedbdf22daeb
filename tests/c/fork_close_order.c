/* One connection served by a forked child, the closes in a fixed order: the parent closes its
 * copy of the connection while the child still holds one (waiting on a pipe), or, with LATE,
 * only once the child has ended (the copy a parent forgets to close after fork()).
 * Usage: fork_close_order PORT LATE. The first line on stdout gives the port. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7777;
    int late = argc > 2 && atoi(argv[2]) != 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
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
    int c = accept(s, NULL, NULL);
    int go[2];
    if (c < 0 || pipe(go) < 0) {
        perror("accept");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char buf[1024];
        ssize_t n;
        close(s);
        /* Serve only once the parent has done what it does first. */
        if (read(go[0], buf, 1) != 1)
            _exit(1);
        while ((n = read(c, buf, sizeof buf)) > 0)
            if (write(c, buf, n) != n)
                _exit(1);
        close(c);
        _exit(0);
    }
    if (!late)
        close(c);
    if (write(go[1], "x", 1) != 1)
        return 1;
    waitpid(pid, NULL, 0);
    if (late)
        close(c);
    close(s);
    return 0;
}
