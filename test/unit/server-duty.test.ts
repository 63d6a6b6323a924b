/**
 * The socket's one server duty (CLIENT.md): a ConfirmedCOVNotification gets a
 * Simple-ACK and goes to the listeners, any other confirmed request Reject
 * unrecognized-service, a segmented one Abort segmentation-not-supported;
 * nothing for a broadcast or a request for another network.
 */
import assert from 'node:assert/strict';
import { ConfirmedApdu, SERVICE } from '../../dist/protocol/confirmed-apdu';
import { ABORT_REASONS, REJECT_REASONS, numberOf } from '../../dist/protocol/names';
import { ConfirmedNotification, ServerDuty } from '../../dist/client/server-duty';
import { DEVICE, RecordingSocket, flush, received, simpleAck } from '../support/tsm-rig';


function request(service: number, invokeId = 7, segmented = false): ConfirmedApdu {
  return {
    type: 'confirmed-request',
    segmented,
    moreFollows: segmented,
    segmentedResponseAccepted: false,
    maxSegments: null,
    maxApdu: 480,
    invokeId,
    sequenceNumber: segmented ? 0 : null,
    windowSize: segmented ? 1 : null,
    service,
    data: Buffer.from('0901', 'hex'),
  };
}

function duty(): { socket: RecordingSocket; server: ServerDuty; heard: ConfirmedNotification[] } {
  const socket = new RecordingSocket();
  const server = new ServerDuty(socket);
  const heard: ConfirmedNotification[] = [];
  server.notifications.add((n) => heard.push(n));
  return { socket, server, heard };
}

describe('ServerDuty', () => {
  it('acknowledges a ConfirmedCOVNotification with a Simple-ACK of its invoke ID and hands it to the listeners', async () => {
    const { socket, server, heard } = duty();
    const cov = received(request(SERVICE.confirmedCovNotification, 42));
    assert.equal(server.handle(cov), true);
    await flush();
    assert.equal(socket.sent.length, 1);
    assert.deepEqual(socket.last.apdu, { type: 'simple-ack', invokeId: 42, service: SERVICE.confirmedCovNotification });
    assert.deepEqual(socket.last.to, DEVICE);
    assert.equal(socket.last.header.dnet, null);
    assert.equal(heard.length, 1);
    assert.deepEqual(heard[0].data, Buffer.from('0901', 'hex'));
    assert.equal(heard[0].received, cov);
    assert.deepEqual(server.counters, { acknowledged: 1, refused: 0 });
  });

  for (const service of [SERVICE.readProperty, SERVICE.writeProperty, SERVICE.subscribeCov, 200]) {
    it(`rejects service ${service} with unrecognized-service`, async () => {
      const { socket, server, heard } = duty();
      assert.equal(server.handle(received(request(service, 3))), true);
      await flush();
      assert.deepEqual(socket.last.apdu, { type: 'reject', invokeId: 3, reason: numberOf(REJECT_REASONS, 'unrecognized-service') });
      assert.equal(heard.length, 0);
      assert.deepEqual(server.counters, { acknowledged: 0, refused: 1 });
    });
  }

  it('aborts a segmented request with segmentation-not-supported, as the server', async () => {
    const { socket, server, heard } = duty();
    server.handle(received(request(SERVICE.confirmedCovNotification, 9, true)));
    await flush();
    assert.deepEqual(socket.last.apdu, {
      type: 'abort',
      fromServer: true,
      invokeId: 9,
      reason: numberOf(ABORT_REASONS, 'segmentation-not-supported'),
    });
    assert.equal(heard.length, 0);
  });

  it('answers a routed requester through its router: DNET/DADR = its SNET/SADR', async () => {
    const { socket, server } = duty();
    const router = { address: '10.0.4.1', port: 47808 };
    server.handle(received(request(SERVICE.confirmedCovNotification, 5), router, { snet: 12, sadr: '0A0B' }));
    await flush();
    assert.deepEqual(socket.last.to, router);
    assert.equal(socket.last.header.dnet, 12);
    assert.equal(socket.last.header.dadr, '0a0b');
    assert.equal(socket.last.header.expectingReply, false);
    assert.equal(socket.last.apdu.type, 'simple-ack');
  });

  it('answers nothing to a request that came as a Forwarded-NPDU, as a broadcast or with a DNET', async () => {
    const { socket, server, heard } = duty();
    const bbmd = { address: '192.168.1.10', port: 47808 };
    const cases = [
      received(request(SERVICE.confirmedCovNotification), DEVICE, {}, 'Forwarded-NPDU', bbmd),
      received(request(SERVICE.readProperty), DEVICE, {}, 'Original-Broadcast-NPDU'),
      received(request(SERVICE.confirmedCovNotification), DEVICE, { dnet: 7, dadr: '01' }),
      received(request(SERVICE.readProperty), DEVICE, { dnet: 0xffff }),
    ];
    for (const c of cases) assert.equal(server.handle(c), true);
    await flush();
    assert.equal(socket.sent.length, 0);
    assert.equal(heard.length, 0);
  });

  it('leaves answers and unconfirmed requests alone', () => {
    const { socket, server } = duty();
    assert.equal(server.handle(received(simpleAck(1))), false);
    assert.equal(socket.sent.length, 0);
  });

  it('ignores a send error (the requester retries)', async () => {
    const { socket, server, heard } = duty();
    socket.failWith = new Error('ENETDOWN');
    server.handle(received(request(SERVICE.confirmedCovNotification)));
    await flush();
    assert.equal(heard.length, 1);
    assert.equal(socket.sent.length, 1);
  });
});
