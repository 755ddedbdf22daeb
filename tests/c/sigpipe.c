/* A write on a connection the peer has cut, in C, where SIGPIPE is not ignored: the first
 * write after the peer's close succeeds and its kernel answers with RST; the next one fails
 * with EPIPE, and the kernel's SIGPIPE kills the program. One process plays both ends. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        return 1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
        return 1;
    int s = accept(l, NULL, NULL);
    close(c);
    if (write(s, "a", 1) != 1)
        return 1;
    /* Until the peer's RST has come: the connection is then closed (POLLHUP), whatever else. */
    struct pollfd p = {.fd = s, .events = 0};
    while (!(p.revents & POLLHUP))
        if (poll(&p, 1, 5000) <= 0)
            return 1;
    write(s, "b", 1);
    puts("not reached: SIGPIPE kills the program first");
    return 0;
}
