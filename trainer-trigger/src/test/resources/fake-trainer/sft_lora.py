#!/usr/bin/env python3
"""A stand-in for a PEFT/TRL LoRA trainer: reads the chat JSONL as SFTTrainer would, checks it,
and writes the two files of a PEFT adapter. Usage: sft_lora.py TRAIN VALIDATION OUTPUT BASE_MODEL"""
import json
import sys

train, validation, output, base_model = sys.argv[1:5]
count = 0
for path in (train, validation):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            example = json.loads(line)
            messages = example["messages"]
            roles = [m["role"] for m in messages]
            assert roles[-1] == "assistant", f"{path}:{number}: last turn is {roles[-1]}"
            assert roles[-2] == "user", f"{path}:{number}: answer does not follow a user turn"
            assert all(isinstance(m["content"], str) for m in messages), f"{path}:{number}"
            count += 1
print(f"read {count} examples", flush=True)
with open(f"{output}/adapter_config.json", "w", encoding="utf-8") as f:
    json.dump({"peft_type": "LORA", "base_model_name_or_path": base_model, "r": 8,
               "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"], "examples": count}, f)
with open(f"{output}/adapter_model.safetensors", "wb") as f:
    header = b'{"__metadata__":{"format":"pt"}}'
    f.write(len(header).to_bytes(8, "little") + header)
print("saved adapter", flush=True)
