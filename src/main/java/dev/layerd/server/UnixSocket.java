package dev.layerd.server;

import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.InvalidArgumentException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The serving socket's life on disk: stale-socket check, permissions, removal. */
final class UnixSocket {
  private static final Logger log = LoggerFactory.getLogger(UnixSocket.class);
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private UnixSocket() {}

  /**
   * Makes {@code socket} free to bind: creates its directory (0755) if needed, refuses when a
   * server answers on it or when something other than a socket is there, and removes a stale
   * socket nobody listens on.
   */
  static void prepare(Path socket) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new FailedPreconditionException(
          "cannot serve on " + socket + ": it exists and is not a socket");
    }
    if (live(socket)) {
      throw new FailedPreconditionException(
          "cannot serve on " + socket + ": another server is listening on it");
    }
    log.info("removing stale socket {}", socket);
    Files.deleteIfExists(socket);
  }

  private static boolean live(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      // Refused (nobody listening) is the stale case.
      return false;
    }
  }

  /**
   * Restricts the socket to its owner (0600) or, with {@code group}, to owner and group (0660).
   * Until this runs the socket has the umask's mode, which leaves it unwritable, hence
   * unconnectable, for others under the usual umask 022.
   */
  static void secure(Path socket, String group) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(socket, PosixFileAttributeView.class);
    if (group != null) {
      GroupPrincipal principal;
      try {
        principal = socket.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByGroupName(group);
      } catch (UserPrincipalNotFoundException e) {
        throw new InvalidArgumentException("socket group " + group + " does not exist", e);
      }
      view.setGroup(principal);
    }
    Set<PosixFilePermission> perms =
        PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----");
    view.setPermissions(perms);
  }

  /** The socket's identity on disk, to remove only the socket this server created. */
  static Object fileKey(Path socket) throws IOException {
    return Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  /** Removes the socket if it is still the one with {@code key}. */
  static void remove(Path socket, Object key) {
    try {
      if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)
          && (key == null || key.equals(fileKey(socket)))) {
        Files.delete(socket);
      }
    } catch (IOException e) {
      log.error("could not remove socket {}; the next start removes it if stale", socket, e);
    }
  }
}
