#!/usr/bin/env node
import '../dist/acai.js';
