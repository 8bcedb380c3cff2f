/** Every command, in `--help` order. A new command is a module here and one line in this list. */
import adopt from "./adopt.js";
import build from "./build.js";
import deploy from "./deploy.js";
import diff from "./diff.js";
import init from "./init.js";
import inspect from "./inspect.js";
import lint from "./lint.js";
import plan from "./plan.js";
import pull from "./pull.js";
import render from "./render.js";
import schema from "./schema.js";
import simulate from "./simulate.js";
import unpack from "./unpack.js";
import validate from "./validate.js";

export const COMMANDS = [init, validate, render, build, inspect, unpack, lint, diff, simulate, plan, deploy, pull, adopt, schema];
