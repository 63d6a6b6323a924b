// The helper ships no types; this is the part the tests use.
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';
  type NodeModule = (RED: unknown) => void;
  interface FlowNode {
    id: string;
    type: string;
    z?: string;
    wires?: string[][];
    [key: string]: unknown;
  }
  interface Helper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    load(nodes: NodeModule | NodeModule[], flow: FlowNode[], credentials?: Record<string, unknown>): Promise<void>;
    setFlows(flow: FlowNode[], type?: 'full' | 'flows' | 'nodes', credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): (Node & Record<string, unknown>) | null;
    log(): { args: unknown[][]; restore(): void };
  }
  const helper: Helper;
  export = helper;
}
