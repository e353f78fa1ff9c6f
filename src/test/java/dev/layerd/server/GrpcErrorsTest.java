package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.LayerdException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GrpcErrorsTest {
  @ParameterizedTest
  @EnumSource(ErrorKind.class)
  void everyKindRoundTripsThroughItsCode(ErrorKind kind) {
    Status.Code code = GrpcErrors.code(kind);

    assertThat(GrpcErrors.kind(code)).isEqualTo(kind);
    LayerdException back = GrpcErrors.fromStatus(
        Status.fromCode(code).withDescription("x").asRuntimeException(), "op");
    assertThat(back.kind()).isEqualTo(kind);
  }

  @Test
  void mapsContainerdCodesToTheirKinds() {
    assertThat(GrpcErrors.code(ErrorKind.NOT_IMPLEMENTED)).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(GrpcErrors.code(ErrorKind.CANCELED)).isEqualTo(Status.Code.CANCELLED);
    assertThat(GrpcErrors.code(ErrorKind.DATA_LOSS)).isEqualTo(Status.Code.DATA_LOSS);
    assertThat(GrpcErrors.kind(Status.Code.INTERNAL)).isEqualTo(ErrorKind.UNKNOWN);
  }

  @Test
  void keepsTheMessageAndFindsTheKindInTheCauseChain() {
    IOException wrapped = new IOException("outer", new NotFoundException("blob sha256:ab missing"));

    Status s = GrpcErrors.toStatus(wrapped);

    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(s.getDescription()).isEqualTo("outer");
  }

  @Test
  void digestMismatchIsDataLoss() {
    Status s = GrpcErrors.toStatus(new DigestMismatchException("sha256:a", "sha256:b", "layer"));

    assertThat(s.getCode()).isEqualTo(Status.Code.DATA_LOSS);
    assertThat(s.getDescription()).contains("expected sha256:a", "got sha256:b");
  }

  @Test
  void plainFailuresAreUnknownAndMissingFilesNotFound() {
    assertThat(GrpcErrors.toStatus(new IllegalStateException("boom")).getCode())
        .isEqualTo(Status.Code.UNKNOWN);
    assertThat(GrpcErrors.toStatus(new NoSuchFileException("/x")).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void remoteNotFoundBecomesNotFoundExceptionNamingTheOperation() {
    LayerdException e = GrpcErrors.fromStatus(
        Status.NOT_FOUND.withDescription("content digest sha256:cd: not found")
            .asRuntimeException(), "read sha256:cd from containerd");

    assertThat(e).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("read sha256:cd from containerd")
        .hasMessageContaining("not found");
    assertThat(GrpcErrors.fromStatus(Status.UNIMPLEMENTED.asRuntimeException(), "op"))
        .isInstanceOf(NotImplementedException.class);
  }

  @Test
  void shortensMessagesThatWouldOverflowTheTrailers() {
    Status s = GrpcErrors.toStatus(new NotImplementedException("x".repeat(100_000)));

    assertThat(s.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(s.getDescription()).hasSizeLessThan(GrpcErrors.MAX_MESSAGE + 100)
        .endsWith("(97952 more characters in layerd's log)");
  }
}
